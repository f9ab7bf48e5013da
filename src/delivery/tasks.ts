import type { Logger } from '../core/logger.ts';
import type { Signal } from '../core/signal.ts';
import type { DeliveryService } from './service.ts';

/** A loop of the worker role (same shape as app.ts's BackgroundTask). */
export interface Task {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The worker role of delivery: the outbox dispatcher (woken by `eventsCommitted`, and
 * polling for events other processes committed), the queue consumer, and the sweep that
 * re-enqueues deliveries whose job was lost.
 */
export function deliveryTasks(
  service: DeliveryService,
  eventsCommitted: Signal,
  logger: Logger,
  options: { pollMs?: number; sweepMs?: number; purgeMs?: number } = {},
): Task[] {
  const pollMs = options.pollMs ?? 200;
  const sweepMs = options.sweepMs ?? Math.min(10_000, service.leaseMs);
  return [
    loop('delivery-dispatcher', pollMs, () => service.dispatchOnce(), logger, eventsCommitted),
    {
      name: 'delivery-worker',
      start: () =>
        service.queue.work((job) => service.handleJob(job), { concurrency: service.settings.concurrency ?? 32 }),
      stop: () => service.queue.stop(),
    },
    // One pass per interval: the deliveries it re-enqueues stay overdue until a worker takes them.
    loop('delivery-sweep', sweepMs, async () => (await service.sweepOnce(), 0), logger),
    // Retention: passes until nothing is past it, then once an hour.
    loop('retention-purge', options.purgeMs ?? 3_600_000, () => service.purgeOnce(), logger),
  ];
}

/** Runs `step` until it reports no work, then waits `intervalMs` (or a signal). Errors are logged, never fatal. */
function loop(name: string, intervalMs: number, step: () => Promise<number>, logger: Logger, wake?: Signal): Task {
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let pending = false;
  let unsubscribe: (() => void) | undefined;

  const schedule = (ms: number) => {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, ms);
  };
  const tick = () => {
    timer = undefined;
    if (!running) return;
    current = (async () => {
      try {
        let n: number;
        do {
          pending = false;
          n = await step();
          // Let timers and I/O run between batches (SQLite calls resolve as microtasks only).
          await new Promise((resolve) => setImmediate(resolve));
        } while (running && (n > 0 || pending));
      } catch (error) {
        logger.error(`${name} failed; retrying`, { error });
      }
      schedule(intervalMs);
    })();
  };
  return {
    name,
    start() {
      running = true;
      unsubscribe = wake?.subscribe(() => {
        pending = true;
        if (timer) schedule(0);
      });
      schedule(0);
    },
    async stop() {
      running = false;
      unsubscribe?.();
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
