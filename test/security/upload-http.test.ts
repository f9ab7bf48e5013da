import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { LOCAL_FIXTURES } from '../formats/fixtures.ts';
import { zipOfGzipBombs } from './hostile-files.ts';

const RUN = readFileSync(join(LOCAL_FIXTURES, 'fit/python-fitparse/garmin-fenix-5-run.fit'));

/** Upload limits over HTTP (issue 10, item 3 and the multipart low). Engine-agnostic: SQLite. */
describe('upload limits hold per request', () => {
  let t: TestApp;
  let userId: string;
  let authUrl: string;
  const limit = Math.floor(RUN.length * 1.5);

  beforeAll(async () => {
    t = await startTestApp('sqlite', 'upload-limits', { TRIBUTARY_MAX_UPLOAD_BYTES: String(limit) });
    const response = await fetch(`${t.url}/v2/auth/authenticateUser?resource=UPLOAD`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await response.json()) as { user_id: string; auth_url: string };
    userId = body.user_id;
    authUrl = body.auth_url;
  });
  afterAll(async () => t?.close());

  const form = (files: Buffer[]) => {
    const body = new FormData();
    files.forEach((bytes, i) => body.append('file', new Blob([new Uint8Array(bytes)]), `run-${i}.fit`));
    return body;
  };

  it('a chunked multipart form whose files add up past the limit gets a 413 (each file alone fits)', async () => {
    // Streamed without content-length, so only the count of received bytes can stop it.
    const encoded = new Response(form([RUN, RUN]));
    const response = await fetch(`${t.url}/v2/files?user_id=${userId}`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': encoded.headers.get('content-type')! },
      body: encoded.body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { message: string }).message).toMatch(/add up to more than the upload limit/);
  });

  it('the hosted upload page has the hosted pages’ security headers, its own script allowed by hash', async () => {
    const page = await fetch(authUrl);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    // The page URL carries the upload token: it must never leave as a Referer.
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const { createHash } = await import('node:crypto');
    expect(csp).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
  });

  it('the hosted upload page looks like the other hosted pages: one stylesheet, layout and header set', async () => {
    const session = await fetch(`${t.url}/v2/auth/generateWidgetSession`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(session.status).toBe(200);
    const widget = await fetch(((await session.json()) as { url: string }).url);
    const upload = await fetch(authUrl);
    expect([widget.status, upload.status]).toEqual([200, 200]);
    const [widgetHtml, uploadHtml] = [await widget.text(), await upload.text()];
    const style = (html: string) => /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
    expect(style(uploadHtml)).toBeDefined();
    expect(style(uploadHtml)).toBe(style(widgetHtml));
    for (const html of [widgetHtml, uploadHtml]) {
      expect(html).toMatch(/<body><main><header><h1>[^<]+<\/h1><\/header>/);
      expect(html).toContain('<meta name="referrer" content="no-referrer">');
    }
    // The same headers; the upload page adds only its script's hash and the right to post here.
    const headers = (response: Response) =>
      Object.fromEntries(
        ['x-frame-options', 'x-content-type-options', 'referrer-policy', 'cache-control'].map((name) => [
          name,
          response.headers.get(name),
        ]),
      );
    expect(headers(upload)).toEqual(headers(widget));
    const directives = (response: Response) =>
      (response.headers.get('content-security-policy') ?? '')
        .split('; ')
        .filter((d) => !/^(script-src|connect-src|form-action) /.test(d));
    expect(directives(upload)).toEqual(directives(widget));
    expect(widget.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(widget.headers.get('content-security-policy')).not.toContain('unsafe-inline');
  });

  it('one file within the limit is still imported', async () => {
    const response = await fetch(`${t.url}/v2/files?user_id=${userId}`, {
      method: 'POST',
      headers: t.headers,
      body: form([RUN]),
    });
    expect(response.status).toBe(201);
  });

  it('a small zip of gzip entries gets a 413, and the server keeps answering', async () => {
    const zip = zipOfGzipBombs(8, limit);
    expect(zip.length).toBeLessThan(limit);
    const response = await fetch(`${t.url}/v2/files?user_id=${userId}`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(zip),
    });
    expect(response.status).toBe(413);
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });
});
