import { Queue as BullQueue, Worker as BullWorker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  assertJobId,
  type JobHandler,
  type JobInput,
  type Queue,
  type QueueOptions,
  type WorkOptions,
} from './queue.ts';

export interface BullmqQueueOptions extends QueueOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Key prefix, so several deployments (or tests) share one Redis. */
  prefix?: string;
}

/**
 * The scale-out engine: BullMQ on Redis. Chosen over pg-boss by measurement
 * (research/stack-lab.md): ~1 ms add→process latency and ~15k jobs/s here, where pg-boss
 * polls at ≥0.5 s. BullMQ's lock (renewed while the handler runs) keeps one job on one
 * worker; a dead worker's lock expires after `leaseMs` and the stalled-job check hands
 * the job to another worker.
 */
export class BullmqQueue implements Queue {
  readonly engine = 'bullmq' as const;
  readonly name: string;
  readonly #options: BullmqQueueOptions;
  readonly #connections: Redis[] = [];
  readonly #queue: BullQueue;
  #worker: BullWorker | undefined;

  constructor(options: BullmqQueueOptions) {
    this.name = options.name;
    this.#options = options;
    this.#queue = new BullQueue(options.name, {
      connection: this.#connect('producer'),
      prefix: options.prefix ?? 'tributary',
    });
    this.#queue.on('error', () => undefined);
  }

  #connect(role: 'producer' | 'worker'): Redis {
    // In ESM BullMQ needs a constructed client. The worker's blocking commands wait out a Redis
    // restart (null retries); the producer's calls (add, counts, ping) come from requests and
    // must fail fast while Redis is down, so a caller answers an error instead of hanging.
    const connection = new Redis(
      this.#options.url,
      role === 'worker'
        ? { maxRetriesPerRequest: null, lazyConnect: false }
        : { maxRetriesPerRequest: 1, connectTimeout: REDIS_DEADLINE_MS, commandTimeout: REDIS_DEADLINE_MS },
    );
    connection.on('error', () => undefined);
    this.#connections.push(connection);
    return connection;
  }

  async add(jobs: readonly JobInput[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = Date.now();
    for (const job of jobs) assertJobId(job.id);
    await withDeadline(
      this.#queue.addBulk(
        jobs.map((job) => ({
          name: this.name,
          data: job.data,
          opts: {
            jobId: job.id,
            delay: Math.max(0, (job.runAt ?? now) - now),
            attempts: 1_000_000,
            backoff: { type: 'fixed', delay: this.#options.retryDelayMs ?? 5000 },
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      ),
      'add jobs',
    );
  }

  work(handler: JobHandler, options: WorkOptions): void {
    if (this.#worker) throw new Error(`queue ${this.name} is already being worked`);
    const leaseMs = Math.max(1000, this.#options.leaseMs);
    this.#worker = new BullWorker(
      this.name,
      async (job) => {
        await handler({ id: job.id ?? '', data: job.data as Record<string, unknown> });
      },
      {
        connection: this.#connect('worker'),
        prefix: this.#options.prefix ?? 'tributary',
        concurrency: Math.max(1, options.concurrency),
        lockDuration: leaseMs,
        stalledInterval: Math.max(500, Math.floor(leaseMs / 2)),
        // A job survives any number of worker crashes: at-least-once, never dropped.
        maxStalledCount: 1_000_000,
      },
    );
    this.#worker.on('error', () => undefined);
  }

  async pendingCount(): Promise<number> {
    const counts = await withDeadline(
      this.#queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children'),
      'count jobs',
    );
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async ping(): Promise<void> {
    await withDeadline(this.#connections[0].ping(), 'ping');
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.close();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.#queue.close();
    for (const connection of this.#connections) connection.disconnect();
  }
}

/** How long one call to Redis may take before it fails (ms). */
export const REDIS_DEADLINE_MS = 5_000;

/** The promise, or a rejection once REDIS_DEADLINE_MS pass (a Redis outage must not hang a caller). */
function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${REDIS_DEADLINE_MS} ms (${what})`)),
      REDIS_DEADLINE_MS,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
