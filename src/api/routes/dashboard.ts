import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notFound } from '../../core/errors.ts';
import type { RouteModule } from '../context.ts';
import { z } from 'zod';
import { apiError, defineRoute, serve } from '../contract/index.ts';
import { describeTag } from '../openapi/index.ts';

/** Where the dashboard's sources live (src/web/dashboard/); the web layer never imports store code. */
const WEB_DIR = fileURLToPath(new URL('../../web/dashboard/', import.meta.url));

/**
 * The page loads its own script and stylesheet and talks to /v2 on the same origin; nothing
 * inline, nothing from elsewhere (provider icons are data: URIs), and it may not be framed.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * Static assets: name → content type and file (in src/web/dashboard/, or an absolute path: the
 * chart library's stylesheet, from its package). The script is bundled from TypeScript on first request.
 */
const { resolve: resolvePackageFile } = createRequire(import.meta.url);
const STATIC_ASSETS: Record<string, { type: string; file: string }> = {
  'dashboard.css': { type: 'text/css; charset=utf-8', file: 'dashboard.css' },
  'uplot.css': { type: 'text/css; charset=utf-8', file: resolvePackageFile('uplot/dist/uPlot.min.css') },
  'icon.svg': { type: 'image/svg+xml', file: 'icon.svg' },
};

let script: Promise<string> | undefined;

/**
 * Bundles src/web/dashboard/main.ts (and its modules) into one ES module, once per process.
 * esbuild itself loads on that first request, not at start-up.
 */
export function dashboardScript(): Promise<string> {
  script ??= import('esbuild').then(({ build }) =>
    build({
      entryPoints: [`${WEB_DIR}main.ts`],
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      minify: false,
      legalComments: 'none',
      // The chart library's MIT licence travels with the copy of it each browser gets.
      footer: {
        js: `/*! uPlot (bundled), ${readFileSync(resolvePackageFile('uplot/LICENSE'), 'utf8').trim().replaceAll('*/', '* /')} */`,
      },
      logLevel: 'silent',
    }).then((result) => result.outputFiles[0].text),
  );
  // A failed build is not cached: the next request tries again (and the error reaches the log).
  script.catch(() => (script = undefined));
  return script;
}

const TAG = 'Dashboard';
describeTag(
  TAG,
  'The developer dashboard (a web page; its data comes from the authenticated /v2 API, with the dev-id and API key the developer types in).',
);
const ASSET_NAMES = ['dashboard.js', ...Object.keys(STATIC_ASSETS)];
const text = (description: string, contentType: string) => ({ description, contentType, schema: { type: 'string' } });

export const dashboardPage = defineRoute({
  method: 'get',
  path: '/dashboard',
  tag: TAG,
  summary: 'The developer dashboard (HTML page)',
  operationId: 'Dashboard_Page',
  public: true,
  responses: { 200: text('The page', 'text/html') },
});

export const dashboardAsset = defineRoute({
  method: 'get',
  path: '/dashboard/assets/{name}',
  tag: TAG,
  summary: `A dashboard asset: ${ASSET_NAMES.join(', ')}`,
  operationId: 'Dashboard_Asset',
  public: true,
  // Any name reaches the handler: one that is not an asset is a 404, not a 400.
  params: z.object({ name: z.string().describe(`One of ${ASSET_NAMES.join(', ')}`) }),
  responses: { 200: text('The asset', 'text/javascript'), 404: apiError('No such asset') },
});

/**
 * `GET /dashboard`: the developer dashboard, a self-contained single-page app that signs in
 * with dev-id + API key (kept in sessionStorage) and reads the /v2 API over HTTP.
 */
export const dashboardRoutes: RouteModule = (app) => {
  const html = readFileSync(`${WEB_DIR}index.html`, 'utf8');
  const files = new Map(
    Object.entries(STATIC_ASSETS).map(([name, asset]) => [
      name,
      { type: asset.type, body: readFileSync(isAbsolute(asset.file) ? asset.file : `${WEB_DIR}${asset.file}`) },
    ]),
  );

  serve(app, dashboardPage, async (_input, _request, reply) => {
    return secure(reply).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  });

  serve(app, dashboardAsset, async ({ params: { name } }, _request, reply) => {
    if (name === 'dashboard.js')
      return secure(reply)
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(await dashboardScript());
    const file = files.get(name);
    if (!file) throw notFound(`no dashboard asset ${name}`);
    return secure(reply).type(file.type).header('cache-control', 'no-cache').send(file.body);
  });
};

function secure(reply: FastifyReply): FastifyReply {
  return reply.headers(SECURITY_HEADERS);
}
