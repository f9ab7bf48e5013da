import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTributary, type Tributary } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { markEngineUsed, TEST_KEY, tempDir } from '../helpers/engines.ts';

/**
 * Request logs go through Fastify's own logger (pino): one JSON line per request, carrying
 * the request id (the caller's X-Request-Id when valid), the route pattern and the status,
 * never a credential: headers are not logged, and link secrets in URLs are masked.
 */
describe('request logs', () => {
  const lines: string[] = [];
  let app: Tributary;
  let url: string;
  let headers: Record<string, string>;
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const completed = () => entries().filter((entry) => entry.msg === 'request completed');

  beforeAll(async () => {
    markEngineUsed('sqlite');
    const config = loadConfig({
      TRIBUTARY_PORT: '0',
      TRIBUTARY_DATA_DIR: tempDir(),
      TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
    });
    app = await createTributary(config, { worker: false, logger: createLogger('info', {}, (l) => lines.push(l)) });
    url = await app.listen();
    const { developer, apiKey } = await app.store.developers.create({ name: 'logs' });
    headers = { 'dev-id': developer.devId, 'x-api-key': apiKey };
  });
  afterAll(async () => {
    await app?.close();
  });

  it('one line per request with its request id, method, route pattern, status and time; no credentials', async () => {
    lines.length = 0;
    const response = await fetch(`${url}/v2/destinations/dst_missing?x=1`, {
      headers: {
        ...headers,
        authorization: 'Bearer never-logged-1',
        cookie: 'session=never-logged-2',
        'x-request-id': 'req-logs-1',
      },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('req-logs-1');
    const [entry, ...others] = completed();
    expect(others).toEqual([]);
    expect(entry).toMatchObject({
      level: 'info',
      reqId: 'req-logs-1',
      method: 'GET',
      url: '/v2/destinations/dst_missing?x=1',
      route: '/v2/destinations/:id',
      statusCode: 404,
    });
    expect(typeof entry!.responseTimeMs).toBe('number');
    expect(new Date(String(entry!.time)).toISOString()).toBe(entry!.time);
    const text = lines.join('\n');
    for (const secret of [headers['x-api-key']!, 'never-logged-1', 'never-logged-2'])
      expect(text).not.toContain(secret);
  });

  it('a generated request id when the caller gives none (or an invalid one); link secrets masked in the URL', async () => {
    lines.length = 0;
    const response = await fetch(`${url}/connect/S3cretLinkValue_abcdef`, { headers: { 'x-request-id': 'bad id!' } });
    const [entry] = completed();
    expect(entry!.reqId).toBe(response.headers.get('x-request-id'));
    expect(entry!.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(entry!.url).toBe('/connect/[redacted]');
    expect(lines.join('\n')).not.toContain('S3cretLinkValue_abcdef');
  });

  it('probes and scrapes are logged at debug only; unmatched paths are labelled, not echoed as routes', async () => {
    lines.length = 0;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect(completed()).toEqual([]);
    expect((await fetch(`${url}/no/such/path`)).status).toBe(404);
    expect(completed()).toMatchObject([{ route: 'unmatched', url: '/no/such/path', statusCode: 404 }]);
  });
});
