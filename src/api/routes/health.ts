import type { RouteModule } from '../context.ts';

/** How long one dependency may take to answer a health check. */
const CHECK_TIMEOUT_MS = 2_000;

interface Check {
  engine: string;
  status: 'ok' | 'down';
  error?: string;
}

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
    return { status: up ? 'ok' : 'degraded', store, ...(queue ? { queue } : {}) };
  };
  app.get('/health', async () => report());
  app.get('/health/ready', async (_request, reply) => {
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
