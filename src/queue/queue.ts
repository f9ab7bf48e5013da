/**
 * The Queue contract: durable jobs that carry only ids (never payloads), worked by one or
 * more processes. Two engines implement it: `embedded` (a `jobs` table in the store,
 * polled in-process — the default) and `bullmq` (Redis, for scale-out; chosen with
 * TRIBUTARY_QUEUE_URL=redis://…).
 *
 * Guarantees every engine keeps (test/queue/contract.test.ts):
 * - `add` is idempotent per job id while the job is waiting or running (a re-add is ignored);
 * - a job runs at least once, never before `runAt`;
 * - one job is never run by two workers at the same time, while its lease holds;
 * - a handler that throws gets its job run again later; a worker that dies mid-job (SIGKILL)
 *   has its job run again by another worker once the lease (`leaseMs`) expires.
 */
export interface JobInput {
  /** Unique id; letters, digits, `_`, `-` and `.` only. */
  id: string;
  /** JSON-serializable, small: ids, not payloads. */
  data: Record<string, unknown>;
  /** Epoch ms; absent = now. */
  runAt?: number;
}

export interface Job {
  id: string;
  data: Record<string, unknown>;
}

export type JobHandler = (job: Job) => Promise<void>;

export interface WorkOptions {
  /** Jobs run at once by this process. */
  concurrency: number;
}

export interface Queue {
  readonly engine: 'embedded' | 'bullmq';
  readonly name: string;
  add(jobs: readonly JobInput[]): Promise<void>;
  /** Starts consuming with `handler` (once per Queue instance). */
  work(handler: JobHandler, options: WorkOptions): void;
  /** Jobs not yet finished (waiting, delayed or running). */
  pendingCount(): Promise<number>;
  /** Resolves when the engine answers (a store query, a Redis PING); rejects fast when it is down. */
  ping(): Promise<void>;
  /** Stops consuming and waits for running handlers; the queue can still `add`. */
  stop(): Promise<void>;
  /** Stops and releases connections. */
  close(): Promise<void>;
}

export interface QueueOptions {
  name: string;
  /** How long a running job is protected from other workers; a dead worker's job is rerun after it. */
  leaseMs: number;
  /** Delay before a job whose handler threw is run again. */
  retryDelayMs?: number;
}

export const JOB_ID_PATTERN = /^[A-Za-z0-9_.-]{1,200}$/;

export function assertJobId(id: string): void {
  if (!JOB_ID_PATTERN.test(id)) throw new Error(`invalid job id ${JSON.stringify(id)}: letters, digits, _ - . only`);
}
