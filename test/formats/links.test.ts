import { describe, expect, it } from 'vitest';
import { FitLinks } from '../../src/export/fit/links.ts';
import { UploadLinks } from '../../src/providers/upload/links.ts';

const KEY = 'ab'.repeat(32);
const OTHER_KEY = 'cd'.repeat(32);

describe('signed links', () => {
  it('upload page tokens name developer and user, expire, and cannot be forged or moved to another key', () => {
    const links = new UploadLinks(KEY, () => 'http://t.example');
    const now = Date.parse('2026-01-01T00:00:00Z');
    const token = links.token('dev-1', 'user-1', 60, now);
    expect(links.check(token, now)).toEqual({ devId: 'dev-1', userId: 'user-1' });
    expect(links.check(token, now + 61_000)).toBe('expired');
    expect(new UploadLinks(OTHER_KEY, () => '').check(token, now)).toBe('invalid');
    const [body, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify(['dev-1', 'user-2', Math.floor(now / 1000) + 60])).toString('base64url');
    expect(links.check(`${forged}.${signature}`, now)).toBe('invalid');
    expect(links.check(`${body}`, now)).toBe('invalid');
    expect(links.pageUrl('d', 'u')).toMatch(/^http:\/\/t\.example\/upload\?token=/);
  });

  it('FIT links are bound to developer, event and expiry', () => {
    const links = new FitLinks(KEY, () => 'http://t.example');
    const now = Date.parse('2026-01-01T00:00:00Z');
    const url = new URL(links.url('dev-1', 'evt_1', 300, now));
    expect(url.pathname).toBe('/v2/events/evt_1/activity.fit');
    const expires = Number(url.searchParams.get('expires'));
    const signature = url.searchParams.get('signature')!;
    expect(links.check('dev-1', 'evt_1', expires, signature, now)).toBe('ok');
    expect(links.check('dev-1', 'evt_1', expires, signature, now + 301_000)).toBe('expired');
    expect(links.check('dev-2', 'evt_1', expires, signature, now)).toBe('invalid');
    expect(links.check('dev-1', 'evt_2', expires, signature, now)).toBe('invalid');
  });
});
