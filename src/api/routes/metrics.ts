import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';
import { TributaryError } from '../../core/errors.ts';
import type { RouteModule } from '../context.ts';
import { apiError, defineRoute, serve } from '../contract/index.ts';

/**
 * GET /metrics: this process's figures in the Prometheus text format. Every process serves
 * its own (an API process, a worker process, both roles in one).
 *
 * Hostile by default: with TRIBUTARY_METRICS_TOKEN set, a scrape must bring
 * `Authorization: Bearer <token>`; unset, only a direct loopback client is answered (a request
 * that came through a proxy, i.e. carries X-Forwarded-For or Forwarded, is refused, since the
 * proxy's own loopback address says nothing about the client behind it).
 */
export const metricsRoute = defineRoute({
  method: 'get',
  path: '/metrics',
  tag: 'Server',
  summary: 'Prometheus metrics of this process',
  description:
    'Prometheus text format (prom-client): HTTP requests by route pattern and status, delivery attempts by destination type and outcome with latency histograms, outbox and delivery lag, queue depth, sync lag and provider poll outcomes (errors, 429s) per provider, store pool use, and process figures. Every process (API, worker) serves its own. Labels never carry tenant ids. With `TRIBUTARY_METRICS_TOKEN` set it needs `Authorization: Bearer <token>`; unset, only direct loopback clients are answered.',
  operationId: 'Server_Metrics',
  public: true,
  responses: {
    200: { description: 'The exposition text (version 0.0.4)', contentType: 'text/plain', schema: { type: 'string' } },
    401: apiError('TRIBUTARY_METRICS_TOKEN is set and the bearer token is missing or wrong'),
    403: apiError('No token is configured and the client is not a direct loopback client'),
  },
});

export const metricsRoutes: RouteModule = (app, ctx) => {
  serve(app, metricsRoute, async (_input, request, reply) => {
    const metrics = ctx.metrics;
    if (!metrics) throw new TributaryError('not_found', 'metrics are not collected in this process');
    authorizeScrape(request, ctx.config.metricsToken);
    const text = await metrics.text();
    return reply.header('cache-control', 'no-store').type(metrics.contentType).send(text);
  });
};

function authorizeScrape(request: FastifyRequest, token: string | undefined): void {
  if (token !== undefined) {
    const given = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim() ?? '';
    if (!sameSecret(given, token))
      throw new TributaryError('unauthorized', 'GET /metrics needs Authorization: Bearer <TRIBUTARY_METRICS_TOKEN>');
    return;
  }
  const proxied = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  if (proxied || !isLoopback(request.socket.remoteAddress))
    throw new TributaryError(
      'forbidden',
      'GET /metrics answers direct loopback clients only; set TRIBUTARY_METRICS_TOKEN to scrape from elsewhere',
    );
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isLoopback(address: string | undefined): boolean {
  if (!address || !ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address); // ::ffff:127.0.0.1 → 127.0.0.1
  return parsed.range() === 'loopback';
}
