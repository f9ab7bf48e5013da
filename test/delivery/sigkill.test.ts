import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { activity } from '../api/records.ts';
import {
  dropSchema,
  isolatedSchema,
  markEngineUsed,
  TEST_DATABASE_URL,
  TEST_KEY,
  tempDir,
  testBox,
} from '../helpers/engines.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { spawnServer, type ServerProcess } from './processes.ts';

const REDIS_URL = process.env.TRIBUTARY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const EVENTS = 40;

interface Setup {
  env: Record<string, string>;
  openSharedStore(): Promise<Store>;
  cleanup(): Promise<void>;
}

const SETUPS: Record<string, () => Promise<Setup>> = {
  'embedded (SQLite + jobs table)': async () => {
    markEngineUsed('sqlite');
    const dir = tempDir();
    return {
      env: { TRIBUTARY_DATA_DIR: dir },
      openSharedStore: () => openStore({ sqliteFile: join(dir, 'tributary.db'), box: testBox() }),
      cleanup: async () => undefined,
    };
  },
  'PostgreSQL + Redis (BullMQ)': async () => {
    markEngineUsed('postgres');
    const schema = isolatedSchema('sigkill');
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.end();
    const prefix = `tq-kill-${randomUUID().slice(0, 8)}`;
    const url = `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    return {
      env: {
        TRIBUTARY_DATA_DIR: tempDir(),
        TRIBUTARY_DATABASE_URL: url,
        TRIBUTARY_QUEUE_URL: REDIS_URL,
        TRIBUTARY_QUEUE_PREFIX: prefix,
      },
      openSharedStore: () => openStore({ databaseUrl: TEST_DATABASE_URL, schema, box: testBox() }),
      cleanup: async () => {
        await dropSchema(schema);
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      },
    };
  },
};

describe.each(Object.keys(SETUPS))('SIGKILL mid-delivery: %s', (name) => {
  const processes: ServerProcess[] = [];
  let receiver: Receiver | undefined;
  let store: Store | undefined;
  let setup: Setup | undefined;

  afterEach(async () => {
    for (const p of processes.splice(0)) await p.kill();
    await store?.close();
    await receiver?.close();
    await setup?.cleanup();
  });

  it('delivers every committed event after a kill -9 and a restart as two worker processes, never one delivery twice at once', async () => {
    setup = await SETUPS[name]!();
    const devId = 'dev-sigkill';
    const apiKey = 'k'.repeat(32);
    const env = {
      ...setup.env,
      TRIBUTARY_PORT: '0',
      TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
      TRIBUTARY_BOOTSTRAP_DEV_ID: devId,
      TRIBUTARY_BOOTSTRAP_API_KEY: apiKey,
      TRIBUTARY_WEBHOOK_TIMEOUT_MS: '1000',
      TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2',
    };
    // Slow answers keep deliveries in flight when the kill lands; every 7th request fails.
    receiver = await startReceiver((_request, index) => ({ delayMs: 250, status: index % 7 === 3 ? 500 : 200 }));

    const first = await spawnServer([], env);
    processes.push(first);
    const headers = { 'dev-id': devId, 'x-api-key': apiKey, 'content-type': 'application/json' };
    const created = await fetch(`${first.url}/v2/destinations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'webhook', url: receiver.url }),
    });
    expect(created.status).toBe(201);

    // Another process (an ingest worker) commits data + outbox events to the shared store.
    store = await setup.openSharedStore();
    const user = await store.users.create(devId, { provider: 'GARMIN', state: 'connected', scopes: 'ACTIVITY_EXPORT' });
    const ids: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const id = `kill-${i}`;
      ids.push(id);
      await storeRecords(store, {
        user,
        type: 'activity',
        records: [activity(id, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString())],
      });
    }

    await receiver.waitFor((r) => r.length >= 6, 60_000);
    await first.kill();
    const deliveredBeforeKill = new Set(receiver.received.filter((_, i) => i % 7 !== 3).map((r) => summaryId(r.body)));
    expect(deliveredBeforeKill.size).toBeLessThan(EVENTS);

    processes.push(await spawnServer(['--worker'], env), await spawnServer(['--worker'], env));
    try {
      await receiver.waitFor(
        (r) => new Set(r.filter((_, i) => i % 7 !== 3).map((x) => summaryId(x.body))).size >= EVENTS,
        90_000,
      );
    } catch (e) {
      const open = await store.deliveries.list(devId, { limit: 500 });
      console.log(
        open.deliveries.filter((d) => d.status !== 'delivered'),
        Date.now(),
      );
      console.log(`${(await store.events.undispatched(10_000)).length} events undispatched`);
      console.log(processes.map((p) => p.output()).join('\n----\n'));
      throw e;
    }

    const delivered = new Set(receiver.received.filter((_, i) => i % 7 !== 3).map((r) => summaryId(r.body)));
    expect([...delivered].sort()).toEqual([...ids].sort());
    expect(receiver.maxConcurrentSameTrace).toBe(1);
  }, 240_000);
});

function summaryId(body: string): string {
  return (JSON.parse(body) as { data: Array<{ metadata: { summary_id: string } }> }).data[0]!.metadata.summary_id;
}
