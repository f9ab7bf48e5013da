/**
 * Webhook delivery throughput and latency, against a same-run baseline:
 * - baseline: raw JSON POSTs to a local receiver (same concurrency, keep-alive, no signing,
 *   no store);
 * - Tributary: signed, durable deliveries — each event committed with its data (outbox),
 *   dispatched to the queue, signed and POSTed, its outcome recorded — measured from the
 *   first commit to the last receipt;
 * - the delivery pipeline alone: events committed while the worker is stopped, then drained;
 * - latency: p50/p99 from commit to receipt at half the measured end-to-end durable rate.
 * Prints the figures and the ratios. `BENCH_DELIVERY_SETUPS=embedded,postgres+redis` adds
 * the scale-out engines (default: embedded SQLite + jobs table only).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createTributary, type Tributary } from '../src/app.ts';
import { loadConfig } from '../src/core/config.ts';
import { createLogger } from '../src/core/logger.ts';
import { storeRecords } from '../src/ingest/store-records.ts';
import type { User } from '../src/store/store.ts';
import { dropSchema, isolatedSchema, TEST_DATABASE_URL, TEST_KEY, tempDir } from '../test/helpers/engines.ts';

const EVENTS = Number(process.env.BENCH_DELIVERY_EVENTS ?? 1500);
const RAW_POSTS = Number(process.env.BENCH_DELIVERY_RAW ?? 3000);
const CONCURRENCY = 32;
const LATENCY_SECONDS = 4;
const REDIS_URL = process.env.TRIBUTARY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Receiver {
  url: string;
  onBody(listener: (body: string, at: number) => void): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const listeners: Array<(body: string, at: number) => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200).end();
      const body = Buffer.concat(chunks).toString('utf8');
      for (const l of listeners) l(body, at);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    onBody: (l) => listeners.push(l),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function rawPosts(url: string, count: number, body: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        await new Promise<void>((resolve, reject) => {
          const req = http.request(
            url,
            {
              method: 'POST',
              agent,
              headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve());
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return count / seconds;
}

function record(i: number, runId: string) {
  const start = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  return {
    metadata: { summary_id: `${runId}-${i}`, start_time: start, end_time: start, type: 8, upload_type: 1, name: 'Run' },
    distance_data: { summary: { distance_meters: 5000 + i } },
    heart_rate_data: { summary: { avg_hr_bpm: 140, max_hr_bpm: 170 } },
  };
}

function summaryId(body: string): string | undefined {
  return /"summary_id":"([^"]+)"/.exec(body)?.[1];
}

async function openApp(
  setup: string,
  receiverUrl: string,
): Promise<{ app: Tributary; user: User; cleanup(): Promise<void> }> {
  const env: Record<string, string> = {
    TRIBUTARY_PORT: '0',
    TRIBUTARY_DATA_DIR: tempDir(),
    TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
    TRIBUTARY_LOG_LEVEL: 'silent',
  };
  let schema: string | undefined;
  let prefix: string | undefined;
  if (setup === 'postgres+redis') {
    schema = isolatedSchema('bench-delivery');
    prefix = `tq-bench-${randomUUID().slice(0, 8)}`;
    Object.assign(env, {
      TRIBUTARY_DATABASE_URL: TEST_DATABASE_URL,
      TRIBUTARY_QUEUE_URL: REDIS_URL,
      TRIBUTARY_QUEUE_PREFIX: prefix,
    });
  }
  const config = loadConfig(env);
  const app = await createTributary(config, { schema, logger: createLogger('silent') });
  await app.listen();
  const { developer } = await app.store.developers.create({ name: 'bench' });
  await app.context.delivery!.createDestination(developer.devId, { type: 'webhook', url: receiverUrl });
  const user = await app.store.users.create(developer.devId, {
    provider: 'GARMIN',
    state: 'connected',
    scopes: 'ACTIVITY_EXPORT',
  });
  return {
    app,
    user,
    async cleanup() {
      await app.close();
      if (schema) await dropSchema(schema);
      if (prefix) {
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      }
    },
  };
}

async function benchSetup(setup: string): Promise<void> {
  const receiver = await startReceiver();
  const runId = randomUUID().slice(0, 8);
  const sample = JSON.stringify({ type: 'activity', data: [record(0, runId)] });
  const rawRate = await rawPosts(receiver.url, RAW_POSTS, sample);

  const { app, user, cleanup } = await openApp(setup, receiver.url);
  try {
    // Throughput: commit EVENTS events as fast as the writer goes, until all are received.
    const seen = new Set<string>();
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const received = new Map<string, number>();
    receiver.onBody((body, at) => {
      const id = summaryId(body);
      if (!id) return;
      received.set(id, at);
      if (id.startsWith(`${runId}-`)) {
        seen.add(id);
        if (seen.size === EVENTS) done();
      }
    });
    const t0 = performance.now();
    // Several writers, as several ingest jobs would commit at once.
    let nextEvent = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (nextEvent < EVENTS) {
          const i = nextEvent++;
          await storeRecords(app.store, { user, type: 'activity', records: [record(i, runId)] });
          app.context.eventsCommitted.notify();
        }
      }),
    );
    const committed = performance.now();
    await all;
    const seconds = (performance.now() - t0) / 1000;
    const durableRate = EVENTS / seconds;

    // Drain: the same number of events committed while the worker is stopped, then sent —
    // the delivery pipeline alone (dispatch, queue, sign, POST, record), without the writers.
    const drainRun = `${runId}D`;
    let drained = 0;
    let drainDone!: () => void;
    const drainAll = new Promise<void>((r) => (drainDone = r));
    receiver.onBody((body) => {
      if (summaryId(body)?.startsWith(`${drainRun}-`) && ++drained === EVENTS) drainDone();
    });
    for (const task of [...app.tasks].reverse()) await task.stop();
    let nextDrain = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (nextDrain < EVENTS)
          await storeRecords(app.store, { user, type: 'activity', records: [record(nextDrain++, drainRun)] });
      }),
    );
    const d0 = performance.now();
    for (const task of app.tasks) task.start();
    await drainAll;
    const drainRate = EVENTS / ((performance.now() - d0) / 1000);

    // Latency at half the end-to-end rate: commit at a steady pace, time commit → receipt.
    const latencyRun = `${runId}L`;
    const rate = durableRate / 2;
    const total = Math.max(20, Math.round(rate * LATENCY_SECONDS));
    const commitAt = new Map<string, number>();
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const due = start + (i / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const r = record(i, latencyRun);
      await storeRecords(app.store, { user, type: 'activity', records: [r] });
      commitAt.set(r.metadata.summary_id, performance.now());
      app.context.eventsCommitted.notify();
    }
    const deadline = performance.now() + 30_000;
    while ([...commitAt.keys()].some((id) => !received.has(id)) && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const latencies = [...commitAt.entries()]
      .filter(([id]) => received.has(id))
      .map(([id, at]) => received.get(id)! - at)
      .sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;

    console.log(`[${setup}] raw POSTs (baseline, ${CONCURRENCY} concurrent): ${rawRate.toFixed(0)}/s`);
    console.log(
      `[${setup}] signed durable deliveries: ${durableRate.toFixed(0)}/s (${EVENTS} events; commits alone took ${((committed - t0) / 1000).toFixed(2)} s) — ratio to raw ${(durableRate / rawRate).toFixed(3)}`,
    );
    console.log(
      `[${setup}] delivery pipeline alone (events already committed): ${drainRate.toFixed(0)}/s — ratio to raw ${(drainRate / rawRate).toFixed(3)}`,
    );
    console.log(
      `[${setup}] commit→receipt at ${rate.toFixed(0)}/s (half load, ${latencies.length}/${total} received): p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms; raw POST round trip at baseline rate ≈ ${((1000 * CONCURRENCY) / rawRate).toFixed(2)} ms`,
    );
  } finally {
    await cleanup();
    await receiver.close();
  }
}

export default async function deliveryBench(): Promise<void> {
  const setups = (process.env.BENCH_DELIVERY_SETUPS ?? 'embedded').split(',').map((s) => s.trim());
  for (const setup of setups) await benchSetup(setup);
}
