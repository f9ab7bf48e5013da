import { buildOpenApiDocument, renderDocsPage, servedRoutes } from '../openapi/index.ts';
import type { RouteModule } from '../context.ts';

/**
 * `GET /openapi.json` (OpenAPI 3.1 of the whole API) and `GET /docs` (the same, as one
 * self-contained HTML page). Built on first request — when every route and every
 * registered operation exists — and cached per public URL and registry size. Routes that
 * no feature documented are still listed, under `Undocumented`.
 */
export const docsRoutes: RouteModule = (app, ctx) => {
  // Every route the server serves (recorded as registered); the declared ones are documented
  // from their declarations, any other is listed as Undocumented.
  const document = () => buildOpenApiDocument({ publicUrl: ctx.config.publicUrl, served: servedRoutes(app) });

  app.get('/openapi.json', async (_request, reply) => {
    return reply.type('application/json; charset=utf-8').send(document());
  });

  let page: { key: object; html: string } | undefined;
  app.get('/docs', async (_request, reply) => {
    const current = document();
    if (page?.key !== current) page = { key: current, html: renderDocsPage(current) };
    return reply
      .type('text/html; charset=utf-8')
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
      )
      .send(page.html);
  });
};
