import type { JobRepo } from '../store/index.ts';
import {
  assertJobId,
  type Job,
  type JobHandler,
  type JobInput,
  type Queue,
  type QueueOptions,
  type WorkOptions,
} from './queue.ts';

/**
 * The embedded engine: jobs are rows of the store's `jobs` table (`store.jobs`), claimed
 * with a lease and deleted when done.
 * Workers poll; `add` in the same process wakes them at once, so latency stays low
 * without a busy loop.
 */
export class EmbeddedQueue implements Queue {
  readonly engine = 'embedded' as const;
  readonly name: string;
  readonly #jobs: JobRepo;
  readonly #leaseMs: number;
  readonly #retryDelayMs: number;
  readonly #pollMs: number;
  #handler: JobHandler | undefined;
  #concurrency = 1;
  #running = 0;
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;
  #pumping = false;
  #again = false;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(jobs: JobRepo, options: QueueOptions & { pollMs?: number }) {
    this.#jobs = jobs;
    this.name = options.name;
    this.#leaseMs = options.leaseMs;
    this.#retryDelayMs = options.retryDelayMs ?? 5000;
    this.#pollMs = options.pollMs ?? 250;
  }

  async add(jobs: readonly JobInput[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = Date.now();
    for (const job of jobs) assertJobId(job.id);
    await this.#jobs.add(
      this.name,
      jobs.map((job) => ({ id: job.id, data: job.data, runAt: job.runAt ?? now })),
      now,
    );
    if (!this.#stopped)
      this.#wake(
        jobs.some((job) => (job.runAt ?? now) <= now)
          ? 0
          : Math.max(0, Math.min(...jobs.map((j) => (j.runAt ?? now) - now))),
      );
  }

  work(handler: JobHandler, options: WorkOptions): void {
    if (this.#handler) throw new Error(`queue ${this.name} is already being worked`);
    this.#handler = handler;
    this.#concurrency = Math.max(1, options.concurrency);
    this.#stopped = false;
    this.#wake(0);
  }

  async pendingCount(): Promise<number> {
    return this.#jobs.pending(this.name);
  }

  async ping(): Promise<void> {
    await this.pendingCount();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#inFlight]);
    this.#handler = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
  }

  #wake(delayMs: number): void {
    if (this.#stopped) return;
    const wait = Math.min(delayMs, this.#pollMs);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#pump(), wait);
    this.#timer.unref?.();
  }

  async #pump(): Promise<void> {
    this.#timer = undefined;
    if (this.#stopped) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    let claimed = 0;
    try {
      do {
        this.#again = false;
        const free = this.#concurrency - this.#running;
        if (free <= 0) break;
        const jobs = await this.#claim(free);
        claimed = jobs.length;
        for (const job of jobs) this.#run(job);
      } while (this.#again || (claimed > 0 && this.#running < this.#concurrency));
    } catch {
      /* the store is unreachable for now: try again at the next poll */
    } finally {
      this.#pumping = false;
    }
    if (!this.#stopped && !this.#timer) this.#wake(this.#pollMs);
  }

  #claim(limit: number): Promise<Job[]> {
    return this.#jobs.claim(this.name, limit, Date.now(), this.#leaseMs);
  }

  #run(job: Job): void {
    const handler = this.#handler;
    if (!handler) return;
    this.#running++;
    const task = (async () => {
      try {
        await handler(job);
        await this.#jobs.complete(this.name, job.id);
      } catch {
        await this.#jobs.retryAt(this.name, job.id, Date.now() + this.#retryDelayMs).catch(() => undefined);
      }
    })().finally(() => {
      this.#running--;
      this.#inFlight.delete(task);
      this.#wake(0);
    });
    this.#inFlight.add(task);
  }
}
