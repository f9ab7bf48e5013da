import { buildOpenApiDocument, renderDocsPage } from '../openapi/index.ts';
import type { RouteModule } from '../context.ts';
import { defineRoute, serve } from '../contract/index.ts';

/** `GET /`: a person who opens the server's address lands on the dashboard. */
export const rootRedirect = defineRoute({
  method: 'get',
  path: '/',
  tag: 'Server',
  summary: 'Server root',
  operationId: 'Server_Root',
  description: 'Redirects to the dashboard (`/dashboard`).',
  public: true,
  responses: {
    302: {
      description: 'To the dashboard',
      headers: { location: { description: '`/dashboard`', schema: { type: 'string', const: '/dashboard' } } },
    },
  },
});

export const openApiDocument = defineRoute({
  method: 'get',
  path: '/openapi.json',
  tag: 'Server',
  summary: 'This OpenAPI document',
  description:
    "OpenAPI 3.1 description of the API, generated from Terra's schemas and the operations registered by each feature.",
  operationId: 'Server_OpenApi',
  public: true,
  responses: { 200: { description: 'An OpenAPI 3.1 document', schema: { type: 'object' } } },
});

export const docsPage = defineRoute({
  method: 'get',
  path: '/docs',
  tag: 'Server',
  summary: 'API reference (HTML)',
  description: 'This document rendered as one self-contained page.',
  operationId: 'Server_Docs',
  public: true,
  responses: { 200: { description: 'An HTML page', contentType: 'text/html', schema: { type: 'string' } } },
});

/**
 * `GET /openapi.json` (OpenAPI 3.1 of the whole API) and `GET /docs` (the same, as one
 * self-contained HTML page), built from the route declarations on first request and cached
 * per public URL. Every served route is declared: the server refuses to start otherwise
 * (`requireDeclaredRoutes`).
 */
export const docsRoutes: RouteModule = (app, ctx) => {
  const document = () => buildOpenApiDocument({ publicUrl: ctx.config.publicUrl });

  serve(app, rootRedirect, async (_input, _request, reply) => reply.redirect('/dashboard', 302));

  serve(app, openApiDocument, async (_input, _request, reply) => {
    return reply.type('application/json; charset=utf-8').send(document());
  });

  let page: { key: object; html: string } | undefined;
  serve(app, docsPage, async (_input, _request, reply) => {
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
