import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.ts';
import { errorHandler } from '../../src/api/errors.ts';

/**
 * A failed request is logged with its URL. Links whose URL is the credential (hosted login
 * and widget pages, upload page tokens, payload and FIT link signatures) must not end up
 * usable in the log.
 */
describe('request URLs in error logs carry no link credentials', () => {
  const lines: string[] = [];
  const app = Fastify();
  app.setErrorHandler(errorHandler(createLogger('error', {}, (line) => lines.push(line))));
  const boom = async () => {
    throw new Error('boom');
  };
  app.get('/connect/:secret', boom);
  app.get('/widget/:secret', boom);
  app.post('/upload/files', boom);
  app.get('/v2/payloads/:id', boom);
  app.get('/v2/events/:id/activity.fit', boom);

  afterEach(() => {
    lines.length = 0;
  });

  const logged = async (method: 'GET' | 'POST', url: string) => {
    const response = await app.inject({ method, url });
    expect(response.statusCode).toBe(500);
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0]!) as { url: string; msg: string };
  };

  it('masks the secret of a login link and of a widget link', async () => {
    const secret = 'S3cr3tLoginLinkValue_abcdefgh';
    expect((await logged('GET', `/connect/${secret}`)).url).toBe('/connect/[redacted]');
    lines.length = 0;
    expect((await logged('GET', `/widget/${secret}?x=1`)).url).toBe('/widget/[redacted]?x=1');
  });

  it('masks an upload token, keeping the other parameters', async () => {
    const entry = await logged('POST', '/upload/files?start_time=2024-01-01&token=eyJib2R5.c2lnbmF0dXJl');
    expect(entry.url).toBe('/upload/files?start_time=2024-01-01&token=[redacted]');
  });

  it('masks the signature of payload and FIT links', async () => {
    const entry = await logged('GET', '/v2/payloads/evt_1?dev_id=dev_a&expires=1700000000&signature=AbCdEf123-_');
    expect(entry.url).toBe('/v2/payloads/evt_1?dev_id=dev_a&expires=1700000000&signature=[redacted]');
    expect(lines.join('\n')).not.toContain('AbCdEf123-_');
    lines.length = 0;
    const fit = await logged('GET', '/v2/events/evt_1/activity.fit?signature=XyZ987&dev_id=dev_a&expires=1');
    expect(fit.url).toBe('/v2/events/evt_1/activity.fit?signature=[redacted]&dev_id=dev_a&expires=1');
  });
});
