import type { Db } from '../store/sql/db.ts';
import {
  assertJobId,
  type Job,
  type JobHandler,
  type JobInput,
  type Queue,
  type QueueOptions,
  type WorkOptions,
} from './queue.ts';

interface JobRow {
  job_id: string;
  data: string;
}

/**
 * The embedded engine: jobs are rows of the store's `jobs` table, claimed with a lease
 * (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serializes writers) and deleted when done.
 * Workers poll; `add` in the same process wakes them at once, so latency stays low
 * without a busy loop.
 */
export class EmbeddedQueue implements Queue {
  readonly engine = 'embedded' as const;
  readonly name: string;
  readonly #db: Db;
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

  constructor(db: Db, options: QueueOptions & { pollMs?: number }) {
    this.#db = db;
    this.name = options.name;
    this.#leaseMs = options.leaseMs;
    this.#retryDelayMs = options.retryDelayMs ?? 5000;
    this.#pollMs = options.pollMs ?? 250;
  }

  async add(jobs: readonly JobInput[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = Date.now();
    await this.#db.transaction(async (tx) => {
      for (const job of jobs) {
        assertJobId(job.id);
        await tx.run(
          'INSERT INTO jobs (job_id, queue, data, run_at, lease_until, tries, created_ms) VALUES (?, ?, ?, ?, NULL, 0, ?) ON CONFLICT (job_id) DO NOTHING',
          [`${this.name}:${job.id}`, this.name, JSON.stringify(job.data), job.runAt ?? now, now],
        );
      }
    });
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
    const row = await this.#db.get<{ n: number }>('SELECT COUNT(*) AS n FROM jobs WHERE queue = ?', [this.name]);
    return Number(row?.n ?? 0);
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

  async #claim(limit: number): Promise<Job[]> {
    const now = Date.now();
    return this.#db.transaction(async (tx) => {
      const lock = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
      const rows = await tx.all<JobRow>(
        `SELECT job_id, data FROM jobs WHERE queue = ? AND run_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY run_at LIMIT ?${lock}`,
        [this.name, now, now, limit],
      );
      for (const row of rows)
        await tx.run('UPDATE jobs SET lease_until = ?, tries = tries + 1 WHERE job_id = ?', [
          now + this.#leaseMs,
          row.job_id,
        ]);
      return rows.map((row) => ({
        id: row.job_id.slice(this.name.length + 1),
        data: JSON.parse(row.data) as Record<string, unknown>,
      }));
    });
  }

  #run(job: Job): void {
    const handler = this.#handler;
    if (!handler) return;
    this.#running++;
    const key = `${this.name}:${job.id}`;
    const task = (async () => {
      try {
        await handler(job);
        await this.#db.run('DELETE FROM jobs WHERE job_id = ?', [key]);
      } catch {
        await this.#db
          .run('UPDATE jobs SET lease_until = NULL, run_at = ? WHERE job_id = ?', [
            Date.now() + this.#retryDelayMs,
            key,
          ])
          .catch(() => undefined);
      }
    })().finally(() => {
      this.#running--;
      this.#inFlight.delete(task);
      this.#wake(0);
    });
    this.#inFlight.add(task);
  }
}
