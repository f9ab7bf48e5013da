import { buildOpenApiDocument, renderDocsPage } from '../openapi/index.ts';
import type { RouteModule } from '../context.ts';

/**
 * `GET /openapi.json` (OpenAPI 3.1 of the whole API) and `GET /docs` (the same, as one
 * self-contained HTML page). Both are built on first request and cached per public URL
 * and registry size, so operations registered by features at import time are included.
 */
export const docsRoutes: RouteModule = (app, ctx) => {
  app.get('/openapi.json', async (_request, reply) => {
    return reply.type('application/json; charset=utf-8').send(buildOpenApiDocument({ publicUrl: ctx.config.publicUrl }));
  });

  let page: { key: object; html: string } | undefined;
  app.get('/docs', async (_request, reply) => {
    const document = buildOpenApiDocument({ publicUrl: ctx.config.publicUrl });
    if (page?.key !== document) page = { key: document, html: renderDocsPage(document) };
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")
      .send(page.html);
  });
};
