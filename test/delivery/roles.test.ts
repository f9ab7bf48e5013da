import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import {
  dropSchema,
  isolatedSchema,
  markEngineUsed,
  TEST_DATABASE_URL,
  TEST_KEY,
  tempDir,
} from '../helpers/engines.ts';
import { spawnServer, type ServerProcess } from './processes.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const REDIS_URL = process.env.TRIBUTARY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const processes: ServerProcess[] = [];
let receiver: Receiver | undefined;
let cleanup: (() => Promise<void>) | undefined;

afterEach(async () => {
  for (const p of processes.splice(0)) await p.kill();
  await receiver?.close();
  await cleanup?.();
});

it('runs the API and the worker as separate processes on PostgreSQL + Redis', async () => {
  markEngineUsed('postgres');
  const schema = isolatedSchema('roles');
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA "${schema}"`);
  await client.end();
  const prefix = `tq-roles-${randomUUID().slice(0, 8)}`;
  cleanup = async () => {
    await dropSchema(schema);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  };
  const env = {
    TRIBUTARY_PORT: '0',
    TRIBUTARY_DATA_DIR: tempDir(),
    TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
    TRIBUTARY_DATABASE_URL: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    TRIBUTARY_QUEUE_URL: REDIS_URL,
    TRIBUTARY_QUEUE_PREFIX: prefix,
    TRIBUTARY_BOOTSTRAP_DEV_ID: 'roles-dev',
    TRIBUTARY_BOOTSTRAP_API_KEY: 'r'.repeat(32),
  };
  receiver = await startReceiver();
  const api = await spawnServer(['--api'], env);
  processes.push(api);
  const headers = { 'dev-id': 'roles-dev', 'x-api-key': 'r'.repeat(32), 'content-type': 'application/json' };
  const created = (await (
    await fetch(`${api.url}/v2/destinations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'webhook', url: receiver.url }),
    })
  ).json()) as { id: string };
  const auth = { 'dev-id': 'roles-dev', 'x-api-key': 'r'.repeat(32) };
  const test = await fetch(`${api.url}/v2/destinations/${created.id}/test`, { method: 'POST', headers: auth });
  expect(test.status).toBe(202);
  // The API role alone never sends: it queued the test job, and no BullMQ worker listens on
  // any of its queues (what would take the job), so nothing reached the receiver.
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  try {
    const names = [
      ...new Set((await redis.keys(`${prefix}:*`)).map((key) => key.slice(prefix.length + 1).split(':')[0]!)),
    ];
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const queue = new Queue(name, { connection: redis, prefix });
      expect(await queue.getWorkers(), `workers of queue ${name}`).toEqual([]);
      await queue.close();
    }
  } finally {
    redis.disconnect();
  }
  expect(receiver.received).toHaveLength(0);

  const worker = await spawnServer(['--worker'], env);
  processes.push(worker);
  await receiver.waitFor((r) => r.length >= 1, 60_000);
  expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'healthcheck' });
  // The worker role serves /health only.
  expect((await fetch(`${worker.url}/v2/destinations`, { headers: auth })).status).toBe(404);
}, 150_000);
