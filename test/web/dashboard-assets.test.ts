import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

/** GET /dashboard and its assets: content types, a strict CSP, no secrets needed to load the page. */
describe('dashboard page and assets', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', 'dashboard-assets');
  });
  afterAll(async () => {
    await t?.close();
  });

  const expectStrictCsp = (response: Response) => {
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  };

  it('serves the page as HTML that loads only same-origin assets, with nothing inline', async () => {
    const response = await fetch(`${t.url}/dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expectStrictCsp(response);
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/dashboard/assets/dashboard.js"></script>');
    expect(html).toContain('href="/dashboard/assets/dashboard.css"');
    expect(html).toContain('href="/dashboard/assets/uplot.css"');
    // Under this CSP an inline script or style would not run: there must be none.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${t.url}/dashboard/`)).status).toBe(200);
  });

  it('serves the bundled script as JavaScript, compiled from TypeScript, talking only to /v2', async () => {
    const response = await fetch(`${t.url}/dashboard/assets/dashboard.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expectStrictCsp(response);
    const js = await response.text();
    expect(js).toContain('/v2/subscriptions');
    expect(js).toContain('sessionStorage');
    expect(js).not.toContain('localStorage');
    expect(js).not.toMatch(/\bimport\s.*from\s/);
    expect(js).not.toMatch(/:\s*(string|number|boolean)\s*[,)=]/);
    // The key travels as a header, never in a query string.
    expect(js).not.toMatch(/x-api-key=|api_key=/i);
    expect(js).not.toContain('innerHTML');
    // uPlot (its chart root class) is bundled in, not loaded from elsewhere.
    expect(js).toMatch(/["']uplot["']/);
    expect(js).toContain('Copyright (c)');
    expect(js).toContain('Leon Sorokin');
  });

  it('serves the stylesheet and icon with their types, and a clear 404 for anything else', async () => {
    const css = await fetch(`${t.url}/dashboard/assets/dashboard.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.sidebar');
    // The chart library's stylesheet, from its package (uPlot), same origin.
    const uplotCss = await fetch(`${t.url}/dashboard/assets/uplot.css`);
    expect(uplotCss.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await uplotCss.text()).toContain('.uplot');
    const icon = await fetch(`${t.url}/dashboard/assets/icon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    const missing = await fetch(`${t.url}/dashboard/assets/..%2f..%2fapp.ts`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/json');
    expect(((await missing.json()) as { status: string }).status).toBe('error');
    expect((await fetch(`${t.url}/dashboard/assets/main.ts`)).status).toBe(404);
  });

  it('documents the page and GET /v2/events in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    expect(doc.paths['/dashboard']?.get?.tags).toEqual(['Dashboard']);
    expect(doc.paths['/v2/events']?.get?.tags).toEqual(['Events']);
  });
});
