import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import { randomUUID } from 'node:crypto';
import { requireDeveloper } from './authenticate.ts';
import type { ApiContext, RouteModule } from './context.ts';
import { errorBody, errorHandler } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes under /v2 that need no dev-id/x-api-key (Terra: /integrations, /integrations/detailed). */
    public?: boolean;
  }
}

export interface ServerModules {
  /** Mounted under /v2; authenticated unless a route sets `config: { public: true }`. */
  v2: RouteModule[];
  /** Mounted at the root: hosted pages, health, docs. */
  root: RouteModule[];
}

/** Builds the HTTP server: error handling, auth, and the feature route modules. */
export async function buildServer(ctx: ApiContext, modules: ServerModules): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: ctx.config.maxBodyBytes,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, useDefaults: true, allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true },
    // Errors raised before routing (a malformed URL such as /v2/users/%ZZ) bypass the
    // error handler; answer them in the same JSON shape.
    frameworkErrors: (error, request, reply) => {
      void (reply as unknown as FastifyReply).status(400).type('application/json').send(errorBody('bad_request', error.message, request.id));
    },
  });
  app.setErrorHandler(errorHandler(ctx.logger));
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`, request.id));
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  await app.register(formbody);

  const authenticate = requireDeveloper(ctx.store);
  await app.register(
    async (v2) => {
      v2.addHook('onRequest', async (request, reply) => {
        if (request.routeOptions.config.public) return;
        if (request.is404) return;
        await authenticate(request, reply);
      });
      for (const module of modules.v2) await module(v2, ctx);
    },
    { prefix: '/v2' },
  );
  for (const module of modules.root) await module(app, ctx);
  return app;
}
