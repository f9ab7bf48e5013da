import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BullmqQueue } from '../../src/queue/bullmq.ts';
import { EmbeddedQueue } from '../../src/queue/embedded.ts';
import type { Job, Queue, QueueOptions } from '../../src/queue/queue.ts';
import { openStore } from '../../src/store/index.ts';
import { openTestStore, testBox, type TestStore } from '../helpers/engines.ts';

const REDIS_URL = process.env.TRIBUTARY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// A test waits for conditions (up to 60 s each, see `until`), never for fixed times.
vi.setConfig({ testTimeout: 180_000 });

/** Opens queue instances that share one backend, as separate worker processes would. */
interface Backend {
  open(options: QueueOptions): Promise<Queue>;
  close(): Promise<void>;
}

const BACKENDS: Record<string, () => Promise<Backend>> = {
  'embedded (sqlite)': async () => embeddedBackend(await openTestStore('sqlite', 'queue')),
  'embedded (postgres)': async () => embeddedBackend(await openTestStore('postgres', 'queue')),
  'bullmq (redis)': async () => {
    const prefix = `tq-test-${randomUUID().slice(0, 8)}`;
    const queues: Queue[] = [];
    return {
      async open(options) {
        const queue = new BullmqQueue({ ...options, url: REDIS_URL, prefix });
        queues.push(queue);
        return queue;
      },
      async close() {
        for (const queue of queues) await queue.close();
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      },
    };
  },
};

function embeddedBackend(test: TestStore): Backend {
  const extra: Array<{ close(): Promise<void> }> = [];
  let first = true;
  return {
    async open(options) {
      // Each further instance gets its own connection, like another process would.
      if (first) {
        first = false;
        return new EmbeddedQueue(test.store.jobs, { ...options, pollMs: 50 });
      }
      const store = await openStore({
        sqliteFile: test.sqliteFile,
        databaseUrl: test.databaseUrl,
        schema: test.schema,
        box: testBox(),
      });
      extra.push(store);
      return new EmbeddedQueue(store.jobs, { ...options, pollMs: 50 });
    },
    async close() {
      for (const store of extra) await store.close();
      await test.close();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `check`, with a budget for a loaded machine (the outcome never depends on it). */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** No job waiting, delayed or running: from then on no handler can run again. */
const drained = (queue: Queue) => until(async () => (await queue.pendingCount()) === 0);

describe.each(Object.keys(BACKENDS))('queue contract: %s', (name) => {
  let backend: Backend;
  const queues: Queue[] = [];
  const open = async (options: Partial<QueueOptions> = {}) => {
    backend ??= await BACKENDS[name]!();
    const queue = await backend.open({ name: 'contract', leaseMs: 5000, retryDelayMs: 100, ...options });
    queues.push(queue);
    return queue;
  };

  afterEach(async () => {
    for (const queue of queues.splice(0)) await queue.stop();
    await backend?.close();
    backend = undefined as unknown as Backend;
  });

  it('runs every added job once, with its data', async () => {
    const queue = await open();
    const seen: Job[] = [];
    queue.work(async (job) => void seen.push(job), { concurrency: 4 });
    await queue.add(Array.from({ length: 20 }, (_, i) => ({ id: `job-${i}`, data: { n: i } })));
    await until(() => seen.length >= 20);
    await drained(queue);
    expect(seen).toHaveLength(20);
    expect(new Set(seen.map((j) => j.id)).size).toBe(20);
    expect(seen.find((j) => j.id === 'job-7')?.data).toEqual({ n: 7 });
    expect(await queue.pendingCount()).toBe(0);
  });

  it('ignores a second add of a job id that is still waiting', async () => {
    const queue = await open();
    await queue.add([{ id: 'same', data: { v: 1 } }]);
    await queue.add([{ id: 'same', data: { v: 2 } }]);
    expect(await queue.pendingCount()).toBe(1);
    const seen: Job[] = [];
    queue.work(async (job) => void seen.push(job), { concurrency: 1 });
    await until(() => seen.length >= 1);
    await drained(queue);
    expect(seen).toEqual([{ id: 'same', data: { v: 1 } }]);
  });

  it('never runs a job before its runAt', async () => {
    const queue = await open();
    const ranAt: number[] = [];
    queue.work(async () => void ranAt.push(Date.now()), { concurrency: 1 });
    const runAt = Date.now() + 600;
    await queue.add([{ id: 'later', data: {}, runAt }]);
    await until(() => ranAt.length >= 1);
    expect(ranAt[0]!).toBeGreaterThanOrEqual(runAt - 5);
  });

  it('runs a job again after its handler throws', async () => {
    const queue = await open();
    let calls = 0;
    queue.work(
      async () => {
        calls++;
        if (calls < 3) throw new Error('transient');
      },
      { concurrency: 1 },
    );
    await queue.add([{ id: 'flaky', data: {} }]);
    await until(() => calls >= 3);
    await drained(queue);
    expect(calls).toBe(3);
    expect(await queue.pendingCount()).toBe(0);
  });

  it('shares jobs between several workers without ever running one job twice at once', async () => {
    // Leases far longer than any wait below: a job is never handed over for being slow.
    const workers = [
      await open({ leaseMs: 120_000 }),
      await open({ leaseMs: 120_000 }),
      await open({ leaseMs: 120_000 }),
    ];
    const running = new Map<string, number>();
    const runs = new Map<string, number>();
    let overlap = 0;
    const byWorker = [0, 0, 0];
    // Every handler waits until a second worker has started a job: the first worker's four slots
    // stay busy meanwhile, so the other jobs can only go to the others (sharing never depends
    // on which worker the scheduler happened to run first).
    let shared!: () => void;
    const secondWorker = new Promise<void>((resolve) => (shared = resolve));
    workers.forEach((queue, index) =>
      queue.work(
        async (job) => {
          const now = (running.get(job.id) ?? 0) + 1;
          running.set(job.id, now);
          if (now > 1) overlap++;
          runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
          byWorker[index]!++;
          if (byWorker.filter((n) => n > 0).length > 1) shared();
          await secondWorker;
          await sleep(15);
          running.set(job.id, running.get(job.id)! - 1);
        },
        { concurrency: 4 },
      ),
    );
    await workers[0]!.add(Array.from({ length: 60 }, (_, i) => ({ id: `shared-${i}`, data: {} })));
    await until(() => runs.size >= 60);
    await drained(workers[0]!);
    expect(overlap).toBe(0);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(byWorker.filter((n) => n > 0).length).toBeGreaterThan(1);
  });

  it('stop waits for running handlers and takes no new jobs', async () => {
    const queue = await open();
    let finished = 0;
    // Stop while the handler is known to be running, however long the queue took to start it.
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    queue.work(
      async () => {
        started();
        await sleep(200);
        finished++;
      },
      { concurrency: 1 },
    );
    await queue.add([{ id: 'a', data: {} }]);
    await running;
    await queue.stop();
    expect(finished).toBe(1);
    await queue.add([{ id: 'b', data: {} }]);
    expect(await queue.pendingCount()).toBe(1);
    // The stopped worker never takes it: a new worker finds it waiting and runs it, once.
    const next = await open();
    const took: string[] = [];
    next.work(async (job) => void took.push(job.id), { concurrency: 1 });
    await until(() => took.length >= 1);
    await drained(next);
    expect(took).toEqual(['b']);
    expect(finished).toBe(1);
  });
});
