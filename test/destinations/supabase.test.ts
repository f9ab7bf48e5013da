import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import type { DestinationEvent } from '../../src/delivery/destinations/destination.ts';
import { supabaseDestination } from '../../src/delivery/destinations/supabase/index.ts';
import { runApiFlow } from '../emulators/api-flow.ts';
import { ENGINES, TEST_DATABASE_URL } from '../helpers/engines.ts';
import { startStorageStub, type StorageStub } from '../emulators/supabase/storage-stub.ts';
import { destinationContract, type ContractTarget } from './contract.ts';
import { activity, dataPayload, destinationEvent, testUser } from './events.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/**
 * The supabase destination against this machine's real PostgreSQL (a throwaway database per
 * suite, reached through a loopback proxy for the outage) plus a recorded-request stub of
 * Supabase Storage (test/emulators/supabase/storage-stub.ts).
 */
const SERVICES = { payloadUrl: () => 'http://127.0.0.1:1/unused', timeoutMs: ATTEMPT_BUDGET_MS };
const PG_PORT = Number(new URL(TEST_DATABASE_URL).port || 5432);

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function databaseUrl(database: string, port = PG_PORT): string {
  return `postgres://postgres@127.0.0.1:${port}/${database}`;
}

async function query<T>(database: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

interface Fixture {
  database: string;
  proxy: TcpProxy;
  stub: StorageStub;
  config: Record<string, unknown>;
  close(): Promise<void>;
}

async function fixture(): Promise<Fixture> {
  const database = `tributary_supabase_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE "${database}"`);
  const proxy = await startTcpProxy(PG_PORT);
  const stub = await startStorageStub();
  return {
    database,
    proxy,
    stub,
    config: { url: stub.url, service_role_key: stub.key, database_url: databaseUrl(database, proxy.port) },
    async close() {
      await stub.close();
      await proxy.close();
      await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    },
  };
}

async function storedRows(database: string, event: DestinationEvent): Promise<unknown[]> {
  const userId = (event.payload.user as { user_id?: string } | undefined)?.user_id;
  if (event.type === 'athlete' || Array.isArray(event.payload.data)) {
    const rows = await query<{ payload: Record<string, unknown> }>(
      database,
      'SELECT payload FROM terra_data_payloads WHERE user_id = $1 AND data_type = $2',
      [userId, event.type],
    );
    const records = rows.map((row) =>
      event.type === 'athlete' ? row.payload.athlete : (row.payload.data as unknown[])[0],
    );
    if (event.type === 'athlete') return records;
    const starts = (event.payload.data as { metadata: { start_time: string } }[]).map(
      (record) => record.metadata.start_time,
    );
    return records.filter((record) =>
      starts.includes((record as { metadata: { start_time: string } }).metadata.start_time),
    );
  }
  const rows = await query<{ payload: unknown }>(
    database,
    "SELECT payload FROM terra_other_payloads WHERE payload_id LIKE '%' || $1 || '.json'",
    [event.eventId],
  );
  return rows.map((row) => row.payload);
}

async function countRows(database: string): Promise<number> {
  const [row] = await query<{ n: string }>(
    database,
    'SELECT (SELECT COUNT(*) FROM terra_data_payloads) + (SELECT COUNT(*) FROM terra_other_payloads) AS n',
  );
  return Number(row.n);
}

destinationContract('supabase (PostgreSQL + storage stub)', async (): Promise<ContractTarget> => {
  const f = await fixture();
  return {
    definition: supabaseDestination as never,
    config: f.config,
    invalidConfig: { config: { ...f.config, database_url: 'mysql://x' }, parameter: 'config.database_url' },
    badConfigs: [
      {
        name: 'wrong service_role_key',
        config: { ...f.config, service_role_key: 'x'.repeat(40) },
        message: /storage: .*HTTP 401.*service_role key/,
      },
      {
        name: 'unknown database user',
        config: { ...f.config, database_url: `postgres://nobody@127.0.0.1:${f.proxy.port}/${f.database}` },
        message: /database: the server rejected the credentials/,
      },
      {
        name: 'storage unreachable',
        config: { ...f.config, url: 'http://127.0.0.1:1' },
        message: /could not reach http:\/\/127\.0\.0\.1:1/,
      },
    ],
    stored: (event) => storedRows(f.database, event),
    count: () => countRows(f.database),
    async outage() {
      await f.proxy.down();
      await f.stub.down();
      return async () => {
        await f.proxy.up();
        await f.stub.up();
      };
    },
    services: SERVICES,
    close: () => f.close(),
  };
});

describe('supabase destination: tables and storage', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(() => f.close());

  it('creates the bucket, uploads each payload under its payload_id with x-upsert, and keeps rows and files in step', async () => {
    const user = testUser();
    const destination = supabaseDestination.open(supabaseDestination.parseConfig(f.config), SERVICES);
    try {
      const records = [activity('a-1', '2026-03-12T06:00:00.000000+01:00', '2026-03-12T06:45:00.000000+01:00')];
      const event = destinationEvent(dataPayload('activity', user, records));
      expect(await destination.deliver(event)).toEqual({ ok: true });
      expect(await destination.deliver(event)).toEqual({ ok: true });

      const name = `2022-03-16/activity/${user.user_id}-a-1.json`;
      expect(f.stub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /storage/v1/bucket/terra-payloads',
        'POST /storage/v1/bucket',
        `POST /storage/v1/object/terra-payloads/${name}`,
        `POST /storage/v1/object/terra-payloads/${name}`,
      ]);
      const upload = f.stub.requests[2];
      expect(upload.headers).toEqual({
        apikey: f.stub.key,
        authorization: `Bearer ${f.stub.key}`,
        'x-upsert': 'true',
        'content-type': 'application/json',
      });
      expect(JSON.parse(f.stub.requests[1].body)).toEqual({
        id: 'terra-payloads',
        name: 'terra-payloads',
        public: false,
      });
      expect(JSON.parse(f.stub.buckets.get('terra-payloads')!.get(name)!)).toEqual({
        type: 'activity',
        user,
        data: records,
        version: '2022-03-16',
      });

      const rows = await query<Record<string, unknown>>(
        f.database,
        'SELECT payload_id, user_id, data_type, start_time FROM terra_data_payloads',
      );
      expect(rows).toEqual([
        {
          payload_id: name,
          user_id: user.user_id,
          data_type: 'activity',
          start_time: new Date('2026-03-12T05:00:00Z'),
        },
      ]);
    } finally {
      await destination.close();
    }
  });

  it('rolls the rows back when the upload fails, so no row points at a missing file', async () => {
    const destination = supabaseDestination.open(supabaseDestination.parseConfig(f.config), SERVICES);
    try {
      const event = destinationEvent({ type: 'deauth', status: 'success', user: testUser(), message: 'bye' });
      await destination.deliver(destinationEvent({ type: 'auth', status: 'success', user: testUser() })); // bucket known
      await f.stub.down();
      const outcome = await destination.deliver(event);
      await f.stub.up();
      expect(outcome).toEqual(expect.objectContaining({ ok: false, retryable: true }));
      expect((outcome as { error: string }).error).toMatch(/storage: could not reach/);
      expect(await storedRows(f.database, event)).toEqual([]);
      expect(await destination.deliver(event)).toEqual({ ok: true });
      expect(await storedRows(f.database, event)).toEqual([event.payload]);
    } finally {
      await destination.close();
    }
  });

  it('recreates the bucket when it was deleted after first use', async () => {
    const destination = supabaseDestination.open(supabaseDestination.parseConfig(f.config), SERVICES);
    try {
      expect(
        await destination.deliver(destinationEvent({ type: 'auth', status: 'success', user: testUser() })),
      ).toEqual({ ok: true });
      f.stub.buckets.delete('terra-payloads');
      const event = destinationEvent({ type: 'deauth', status: 'success', user: testUser(), message: 'bye' });
      expect(await destination.deliver(event)).toEqual(expect.objectContaining({ ok: false, retryable: true }));
      expect(await destination.deliver(event)).toEqual({ ok: true });
      expect(f.stub.buckets.get('terra-payloads')?.size).toBe(1);
    } finally {
      await destination.close();
    }
  });

  it("follows Terra's Supabase schema: timestamptz columns and payload rows cascading from terra_users", async () => {
    const columns = await query<{ table_name: string; column_name: string; data_type: string }>(
      f.database,
      "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name IN ('terra_users', 'terra_data_payloads') AND column_name IN ('created_at', 'start_time') ORDER BY 1, 2",
    );
    expect(columns.map((c) => `${c.table_name}.${c.column_name}:${c.data_type}`)).toEqual([
      'terra_data_payloads.created_at:timestamp with time zone',
      'terra_data_payloads.start_time:timestamp with time zone',
      'terra_users.created_at:timestamp with time zone',
    ]);
    const [user] = await query<{ user_id: string }>(f.database, 'SELECT user_id FROM terra_data_payloads LIMIT 1');
    await query(f.database, 'DELETE FROM terra_users WHERE user_id = $1', [user.user_id]);
    expect(await query(f.database, 'SELECT 1 FROM terra_data_payloads WHERE user_id = $1', [user.user_id])).toEqual([]);
  });
});

describe.each(ENGINES)('supabase through POST /v2/destinations on the %s store', (engine) => {
  it('refuses a wrong key with 400 and the reason, hides the secrets, delivers stored data', async () => {
    const f = await fixture();
    try {
      await runApiFlow(engine, {
        type: 'supabase',
        config: f.config,
        secretFields: ['service_role_key', 'database_url'],
        badConfig: { config: { ...f.config, service_role_key: 'y'.repeat(40) }, message: /HTTP 401.*service_role key/ },
        // The file is uploaded inside the row's transaction: wait for the committed row too.
        delivered: async (userId, summaryId) => {
          const name = `2022-03-16/activity/${userId}-${summaryId}.json`;
          const rows = await query(f.database, 'SELECT 1 FROM terra_data_payloads WHERE payload_id = $1', [name]).catch(
            () => [],
          );
          return rows.length === 1 && f.stub.buckets.get('terra-payloads')?.get(name);
        },
      });
    } finally {
      await f.close();
    }
  });
});
