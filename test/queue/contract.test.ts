import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BullmqQueue } from '../../src/queue/bullmq.ts';
import { EmbeddedQueue } from '../../src/queue/embedded.ts';
import type { Job, Queue, QueueOptions } from '../../src/queue/queue.ts';
import { openStore } from '../../src/store/index.ts';
import { openTestStore, testBox, type TestStore } from '../helpers/engines.ts';

const REDIS_URL = process.env.TRIBUTARY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

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

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

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
    await sleep(200);
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
    await sleep(300);
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
    await sleep(300);
    expect(calls).toBe(3);
    expect(await queue.pendingCount()).toBe(0);
  });

  it('shares jobs between several workers without ever running one job twice at once', async () => {
    const workers = [await open(), await open(), await open()];
    const running = new Map<string, number>();
    const runs = new Map<string, number>();
    let overlap = 0;
    const byWorker = [0, 0, 0];
    workers.forEach((queue, index) =>
      queue.work(
        async (job) => {
          const now = (running.get(job.id) ?? 0) + 1;
          running.set(job.id, now);
          if (now > 1) overlap++;
          runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
          byWorker[index]!++;
          await sleep(15);
          running.set(job.id, running.get(job.id)! - 1);
        },
        { concurrency: 4 },
      ),
    );
    await workers[0]!.add(Array.from({ length: 60 }, (_, i) => ({ id: `shared-${i}`, data: {} })));
    await until(() => runs.size >= 60, 20_000);
    await sleep(300);
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
    await sleep(300);
    expect(finished).toBe(1);
    expect(await queue.pendingCount()).toBe(1);
  });
});
