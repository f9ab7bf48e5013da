import { z } from 'zod';
import type { RouteModule } from '../context.ts';
import { defineRoute, json, serve } from '../contract/index.ts';

/** How long one dependency may take to answer a health check. */
const CHECK_TIMEOUT_MS = 2_000;

interface Check {
  engine: string;
  status: 'ok' | 'down';
  error?: string;
}

const Dependency = z.object({ engine: z.string(), status: z.enum(['ok', 'down']), error: z.string().optional() });
const Health = z.object({ status: z.enum(['ok', 'degraded']), store: Dependency, queue: Dependency.optional() });

export const health = defineRoute({
  method: 'get',
  path: '/health',
  tag: 'Server',
  summary: 'Health check',
  description:
    'Answers 200 while the process serves requests (also in a worker-only process), with the state of the store and the queue (`ok` or `down`; `status` is `degraded` when one is down).',
  operationId: 'Server_Health',
  public: true,
  responses: { 200: json('The server is up', Health) },
});

export const ready = defineRoute({
  method: 'get',
  path: '/health/ready',
  tag: 'Server',
  summary: 'Readiness check',
  description: 'As /health, but 503 when the store or the queue is down (for load balancers).',
  operationId: 'Server_Ready',
  public: true,
  responses: { 200: json('Store and queue answer', Health), 503: json('The store or the queue is down', Health) },
});

/**
 * GET /health: the process is up (always 200, for liveness probes), with the state of the
 * store and the queue. GET /health/ready: 503 when either is down, so a load balancer stops
 * sending traffic to a process that can only fail it.
 */
export const healthRoutes: RouteModule = (app, ctx) => {
  const report = async () => {
    const [store, queue] = await Promise.all([
      check(ctx.store.engine, () => ctx.store.ping()),
      ctx.queue ? check(ctx.queue.engine, () => ctx.queue!.ping()) : undefined,
    ]);
    const up = store.status === 'ok' && (queue === undefined || queue.status === 'ok');
    return { status: up ? ('ok' as const) : ('degraded' as const), store, ...(queue ? { queue } : {}) };
  };
  serve(app, health, async () => report());
  serve(app, ready, async (_input, _request, reply) => {
    const body = await report();
    return reply.status(body.status === 'ok' ? 200 : 503).send(body);
  });
};

async function check(engine: string, ping: () => Promise<void>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { engine, status: 'ok' };
  } catch (error) {
    // The reason, not the driver's full text: no host names or credentials in a public probe.
    return { engine, status: 'down', error: reasonOf(error) };
  } finally {
    clearTimeout(timer);
  }
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return code;
  const message = error instanceof Error ? error.message : String(error);
  return /no answer within|did not answer within/.test(message) ? 'timeout' : 'unavailable';
}
