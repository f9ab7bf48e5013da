import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

/** Issue 10, item 7: authenticate before reading a body; JSON nesting depth capped. */
describe('request bodies', () => {
  let t: TestApp;
  let sdk: { user_id: string; sdk_secret: string };

  beforeAll(async () => {
    t = await startTestApp('sqlite', 'request-bodies');
    const tokenResponse = await fetch(`${t.url}/v2/auth/generateAuthToken`, { method: 'POST', headers: t.headers });
    const { token } = (await tokenResponse.json()) as { token: string };
    const created = await fetch(`${t.url}/v2/sdk/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{}',
    });
    sdk = (await created.json()) as { user_id: string; sdk_secret: string };
  });
  afterAll(async () => t?.close());

  /**
   * Sends headers announcing a 40 MB JSON body and only its first KB, then waits for the
   * answer: it must come while the body is still unsent.
   */
  function startHugeUpload(secret: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const url = new URL(`${t.url}/v2/sdk/users/${sdk.user_id}/samples`);
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(40 * 1024 * 1024),
            authorization: `Bearer ${secret}`,
          },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, body });
            request.destroy();
          });
        },
      );
      request.on('error', reject);
      request.write(`{"data":[${' '.repeat(1024)}`);
    });
  }

  it('a wrong sdk_secret is refused before the body is read (the 40 MB body is never sent)', async () => {
    const answer = await startHugeUpload('not-the-secret');
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'unauthorized' });
  });

  const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

  it('deeply nested JSON on an authenticated route is a 400 naming the limit, not a 500', async () => {
    const response = await fetch(`${t.url}/v2/auth/authenticateUser?resource=UPLOAD`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: `{"reference_id":"x","a":${deep(200_000)}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'bad_request', parameter: 'body', message: /deeper than 64/ });
  });

  it('deeply nested JSON on the SDK samples route is a 400 too', async () => {
    const response = await fetch(`${t.url}/v2/sdk/users/${sdk.user_id}/samples`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sdk.sdk_secret}` },
      body: `{"data":${deep(200_000)}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'bad_request', message: /deeper than 64/ });
  });

  it('brackets inside strings do not count as nesting', async () => {
    const response = await fetch(`${t.url}/v2/auth/authenticateUser?resource=UPLOAD`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ reference_id: '['.repeat(500) + '\\"{' }),
    });
    expect(response.status).toBe(200);
  });
});
