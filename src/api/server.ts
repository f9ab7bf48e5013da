import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import { randomUUID } from 'node:crypto';
import { badParameter } from '../core/errors.ts';
import { requireDeveloper } from './authenticate.ts';
import type { ApiContext, RouteModule } from './context.ts';
import { errorBody, errorHandler, logSafeUrl } from './errors.ts';
import { useDepthCheckedJson } from './json-body.ts';
import { allowedMethods, servedRoutes, trackServedRoutes } from './openapi/served-routes.ts';
import { guardBodyRate, serverTimeouts } from './timeouts.ts';
import { LIMITS } from '../core/rate-limit.ts';

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
    // Fastify's own logger (pino), so request lines carry the request id; one line per
    // request is written below (onResponse) instead of Fastify's two.
    // The assertion widens pino's Logger so Fastify's instance type stays FastifyBaseLogger
    // (the route modules take that type); the rule cannot see the generic inference it steers.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: ctx.logger.pino as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.maxBodyBytes,
    ...serverTimeouts(ctx.config),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, useDefaults: true, allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true },
    // Errors raised before routing (a malformed URL such as /v2/users/%ZZ) bypass the
    // error handler; answer them in the same JSON shape.
    frameworkErrors: (error, request, reply) => {
      void (reply as unknown as FastifyReply)
        .status(400)
        .type('application/json')
        .send(errorBody('bad_request', error.message, request.id));
    },
  });
  trackServedRoutes(app);
  app.setErrorHandler(errorHandler(ctx.logger));
  useDepthCheckedJson(app);
  guardBodyRate(app, ctx.config);
  // Hosted pages need no key: each IP gets a budget of them (429 with Retry-After past it).
  const pages = LIMITS.pagesPerIp(ctx.store.rateLimits);
  app.addHook('onRequest', async (request) => {
    if (/^\/(connect|widget|oauth|upload)(\/|\?|$)/.test(request.url))
      await pages.hit(request.ip, 'hosted-page requests');
  });
  // PostgreSQL can neither store nor compare text holding NUL: refuse it up front, naming the
  // parameter, so both engines answer the same 400 instead of a 500 from the database.
  app.addHook('preValidation', async (request) => {
    for (const [where, values] of [
      ['query', request.query],
      ['path', request.params],
    ] as const) {
      if (typeof values !== 'object' || values === null) continue;
      for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
        const texts = Array.isArray(value) ? value : [value];
        if (texts.some((text) => typeof text === 'string' && text.includes('\u0000'))) {
          throw badParameter(name, `${where} parameter '${name}' must not contain a NUL character (%00)`);
        }
      }
    }
    const nulAt = nulPath(request.body);
    if (nulAt !== undefined) {
      throw badParameter(nulAt || 'body', `body field '${nulAt || 'body'}' must not contain a NUL character (\\u0000)`);
    }
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    // A path that exists with other methods (DELETE on a read-only route): 405 naming them.
    const allowed = allowedMethods(servedRoutes(app), path);
    if (allowed.length > 0)
      return void reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send(
          errorBody(
            'method_not_allowed',
            `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
            request.id,
          ),
        );
    void reply
      .status(404)
      .send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`, request.id));
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern (`/v2/users/:user_id`), never the URL: bounded labels, no ids.
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    ctx.metrics?.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    // Probes and scrapes come every few seconds: only at debug level.
    const quiet = /^\/(health|metrics)(\/|$)/.test(route);
    request.log[quiet ? 'debug' : 'info'](
      {
        method: request.method,
        url: logSafeUrl(request.url),
        route,
        statusCode: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
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

/**
 * The path (`data.0.metadata.name`) of the first string in a parsed JSON body that holds a
 * NUL character, '' for the body itself, or undefined. Buffers (file uploads) are not JSON
 * and pass through untouched.
 */
export function nulPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  for (const [key, child] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : String(key);
    if (typeof key === 'string' && key.includes('\u0000')) return childPath;
    const found = nulPath(child, childPath);
    if (found !== undefined) return found;
  }
  return undefined;
}
