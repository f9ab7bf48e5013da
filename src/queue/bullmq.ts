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
    this.#queue = new BullQueue(options.name, { connection: this.#connect(), prefix: options.prefix ?? 'tributary' });
    this.#queue.on('error', () => undefined);
  }

  #connect(): Redis {
    // In ESM BullMQ needs a constructed client; null retries let blocking commands wait out a Redis restart.
    const connection = new Redis(this.#options.url, { maxRetriesPerRequest: null, lazyConnect: false });
    connection.on('error', () => undefined);
    this.#connections.push(connection);
    return connection;
  }

  async add(jobs: readonly JobInput[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = Date.now();
    for (const job of jobs) assertJobId(job.id);
    await this.#queue.addBulk(
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
        connection: this.#connect(),
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
    const counts = await this.#queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
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
