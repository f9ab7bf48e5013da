import { describe, expect, it } from 'vitest';
import { assertPublicUrl, isPublicAddress, shownBody } from './ssrf.ts';

describe('SSRF guard', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fe80::1',
    'fc00::1',
    '::ffff:127.0.0.1',
    '224.0.0.1',
    '168.63.129.16',
    '::ffff:168.63.129.16',
    'not-an-ip',
  ])('refuses %s', (address) => expect(isPublicAddress(address)).toBe(false));
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) =>
    expect(isPublicAddress(address)).toBe(true),
  );

  it('resolves names before deciding', async () => {
    await expect(assertPublicUrl(new URL('http://localhost:8080/'))).rejects.toThrow(/private, loopback/);
    await expect(assertPublicUrl(new URL('http://[::1]/'))).rejects.toThrow();
    await expect(assertPublicUrl(new URL('http://93.184.216.34/'))).resolves.toBeUndefined();
  });

  it('shows a response body only when it came from a public address', () => {
    expect(shownBody('Invalid API key', '93.184.216.34')).toBe('Invalid API key');
    expect(shownBody('Invalid API key', '::ffff:8.8.8.8')).toBe('Invalid API key');
    for (const peer of ['127.0.0.1', '10.1.2.3', '169.254.169.254', '::1', undefined])
      expect(shownBody('redis_version:7.2', peer)).not.toContain('redis');
  });
});
