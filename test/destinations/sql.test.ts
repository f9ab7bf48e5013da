import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import type { DestinationEvent } from '../../src/delivery/destinations/destination.ts';
import { sqlDestination } from '../../src/delivery/destinations/sql/index.ts';
import { runApiFlow } from '../emulators/api-flow.ts';
import { ENGINES, TEST_DATABASE_URL } from '../helpers/engines.ts';
import { destinationContract, type ContractTarget } from './contract.ts';
import { dataPayload, destinationEvent, eventCatalogue, testUser } from './events.ts';
import { startTcpProxy } from './tcp-proxy.ts';

/**
 * The sql destination against this machine's real PostgreSQL (127.0.0.1:5432, trust) and
 * MariaDB (127.0.0.1:3306, root without password). Each suite creates a throwaway database
 * and drops it after; the outage goes through a loopback TCP proxy that we take down, never
 * the shared servers themselves.
 */
const MYSQL_PORT = 3306;
const SERVICES = { payloadUrl: () => 'http://127.0.0.1:1/unused', timeoutMs: ATTEMPT_BUDGET_MS };

interface SqlServer {
  scheme: 'postgres' | 'mysql';
  port: number;
  username: string;
  createDatabase(name: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  /** Runs a query in the given database; `?` placeholders. */
  query<T>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
}

const postgresServer: SqlServer = {
  scheme: 'postgres',
  port: Number(new URL(TEST_DATABASE_URL).port || 5432),
  username: 'postgres',
  createDatabase: (name) => adminPg(`CREATE DATABASE "${name}"`),
  dropDatabase: (name) => adminPg(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  async query<T>(database: string, sql: string, params: unknown[] = []) {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      let n = 0;
      return (
        await client.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows as T[];
    } finally {
      await client.end();
    }
  },
};

async function adminPg(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const mysqlServer: SqlServer = {
  scheme: 'mysql',
  port: MYSQL_PORT,
  username: 'root',
  createDatabase: (name) => adminMysql(`CREATE DATABASE \`${name}\``),
  dropDatabase: (name) => adminMysql(`DROP DATABASE IF EXISTS \`${name}\``),
  async query<T>(database: string, sql: string, params: unknown[] = []) {
    const connection = await mysql.createConnection({
      host: '127.0.0.1',
      port: MYSQL_PORT,
      user: 'root',
      password: '',
      database,
    });
    try {
      const [rows] = await connection.query(sql, params);
      return rows as T[];
    } finally {
      await connection.end();
    }
  },
};

async function adminMysql(sql: string): Promise<void> {
  const connection = await mysql.createConnection({ host: '127.0.0.1', port: MYSQL_PORT, user: 'root', password: '' });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

function throwawayName(): string {
  return `tributary_dest_${randomBytes(6).toString('hex')}`;
}

/** MariaDB hands JSON columns back as text; PostgreSQL's jsonb comes back parsed. */
function json(value: unknown): Record<string, unknown> {
  return (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
}

function recordOf(payload: Record<string, unknown>): unknown {
  return payload.type === 'athlete' ? payload.athlete : (payload.data as unknown[])[0];
}

/** Reads back what the destination stored for an event, by the documented columns only. */
async function storedRows(
  server: SqlServer,
  database: string,
  event: DestinationEvent,
  table = (name: string) => name,
): Promise<unknown[]> {
  const user = event.payload.user as { user_id: string } | undefined;
  if (['activity', 'sleep', 'daily', 'body', 'nutrition', 'menstruation', 'athlete'].includes(event.type)) {
    const rows = await server.query<{ payload: unknown; start_time: string | null }>(
      database,
      `SELECT payload, start_time FROM ${table('terra_data_payloads')} WHERE user_id = ? AND data_type = ?`,
      [user!.user_id, event.type],
    );
    const starts = new Set(
      event.type === 'athlete'
        ? [null]
        : (event.payload.data as { metadata: { start_time: string } }[]).map((record) => record.metadata.start_time),
    );
    return rows.filter((row) => starts.has(row.start_time)).map((row) => recordOf(json(row.payload)));
  }
  const rows = await server.query<{ payload: unknown }>(
    database,
    `SELECT payload FROM ${table('terra_other_payloads')} WHERE payload_id = ?`,
    [event.eventId],
  );
  return rows.map((row) => json(row.payload));
}

async function countRows(server: SqlServer, database: string, table = (name: string) => name): Promise<number> {
  const [data] = await server.query<{ n: number | string }>(
    database,
    `SELECT COUNT(*) AS n FROM ${table('terra_data_payloads')}`,
  );
  const [other] = await server.query<{ n: number | string }>(
    database,
    `SELECT COUNT(*) AS n FROM ${table('terra_other_payloads')}`,
  );
  return Number(data.n) + Number(other.n);
}

for (const server of [postgresServer, mysqlServer]) {
  destinationContract(`sql (${server.scheme})`, async (): Promise<ContractTarget> => {
    const database = throwawayName();
    await server.createDatabase(database);
    const proxy = await startTcpProxy(server.port);
    const config = {
      scheme: server.scheme,
      host: '127.0.0.1',
      port: proxy.port,
      database,
      username: server.username,
      password: '',
    };
    return {
      definition: sqlDestination as never,
      config,
      invalidConfig: { config: { ...config, port: 'five' }, parameter: 'config.port' },
      badConfigs: [
        server.scheme === 'postgres'
          ? {
              name: 'unknown user',
              config: { ...config, username: 'no_such_user' },
              message: /rejected the credentials.*no_such_user/,
            }
          : {
              name: 'wrong password',
              config: { ...config, password: 'wrong' },
              message: /rejected the credentials.*Access denied/,
            },
        {
          name: 'missing database',
          config: { ...config, database: 'no_such_database_x' },
          message: /no_such_database_x.*create the database first/,
        },
        {
          name: 'server not listening',
          config: { ...config, port: 1 },
          message: /127\.0\.0\.1:1\/.*connection refused/,
        },
      ],
      stored: (event) => storedRows(server, database, event),
      count: () => countRows(server, database),
      async outage() {
        await proxy.down();
        return () => proxy.up();
      },
      services: SERVICES,
      async close() {
        await proxy.close();
        await server.dropDatabase(database);
      },
    };
  });

  describe(`sql destination (${server.scheme}) layout`, () => {
    let database: string;
    let config: Record<string, unknown>;
    beforeAll(async () => {
      database = throwawayName();
      await server.createDatabase(database);
      config = {
        scheme: server.scheme,
        host: '127.0.0.1',
        port: server.port,
        database,
        username: server.username,
        password: '',
      };
    });
    afterAll(async () => {
      await server.dropDatabase(database);
    });

    it('keeps terra_users in step with auth events and stores each record as a one-record Terra event', async () => {
      const user = testUser();
      const destination = sqlDestination.open(sqlDestination.parseConfig(config), SERVICES);
      try {
        for (const { event } of eventCatalogue(user)) expect(await destination.deliver(event)).toEqual({ ok: true });
        const users = await server.query<Record<string, unknown>>(database, 'SELECT * FROM terra_users ORDER BY state');
        // The catalogue ends with deauth; user_reauth marked the replaced user.
        expect(users.find((row) => row.user_id === user.user_id)).toEqual({
          user_id: user.user_id,
          reference_id: user.reference_id,
          created_at: user.created_at,
          granted_scopes: user.scopes,
          provider: user.provider,
          state: 'deauth',
        });
        expect(users.filter((row) => row.user_id !== user.user_id).map((row) => row.state)).toEqual(['user_reauth']);

        const rows = await server.query<Record<string, unknown>>(
          database,
          "SELECT payload_id, data_type, start_time, end_time, payload FROM terra_data_payloads WHERE data_type = 'activity' ORDER BY start_time",
        );
        expect(rows.map((row) => row.payload_id)).toEqual([
          `activity:${user.user_id}:act-1`,
          `activity:${user.user_id}:act-2`,
        ]);
        expect(rows[0].start_time).toBe('2026-03-12T06:00:00.000000+01:00');
        expect(rows[0].end_time).toBe('2026-03-12T06:45:10.000000+01:00');
        const payload = json(rows[0].payload);
        expect(payload).toEqual(expect.objectContaining({ type: 'activity', user, version: '2022-03-16' }));
        expect((payload.data as unknown[]).length).toBe(1);

        const daily = await server.query<Record<string, unknown>>(
          database,
          "SELECT payload_id FROM terra_data_payloads WHERE data_type = 'daily' ORDER BY payload_id",
        );
        expect(daily.map((row) => row.payload_id)).toEqual([
          `daily:${user.user_id}:2026-03-11`,
          `daily:${user.user_id}:2026-03-12`,
        ]);

        const health = await server.query<Record<string, unknown>>(
          database,
          "SELECT user_id, payload_type FROM terra_other_payloads WHERE data_type = 'healthcheck'",
        );
        expect(health).toEqual([{ user_id: null, payload_type: 'success' }]);
      } finally {
        await destination.close();
      }
    });

    it('recreates a table dropped after first use', async () => {
      const destination = sqlDestination.open(sqlDestination.parseConfig(config), SERVICES);
      try {
        const user = testUser();
        expect(await destination.deliver(destinationEvent({ type: 'auth', status: 'success', user }))).toEqual({
          ok: true,
        });
        await server.query(database, 'DROP TABLE terra_other_payloads');
        const event = destinationEvent({ type: 'deauth', status: 'success', user, message: 'bye' });
        expect(await destination.deliver(event)).toEqual({ ok: true });
        expect(await storedRows(server, database, event)).toEqual([event.payload]);
      } finally {
        await destination.close();
      }
    });

    it('rejects a payload the database cannot hold without retrying it forever', async () => {
      const destination = sqlDestination.open(sqlDestination.parseConfig(config), SERVICES);
      try {
        // A NUL character is valid JSON text but neither jsonb nor MariaDB's JSON check accept it as such.
        const event = destinationEvent(
          dataPayload('sleep', testUser(), [
            { metadata: { summary_id: 'x', start_time: '2026-03-12T00:00:00Z' }, note: 'a\u0000b' },
          ]),
        );
        const outcome = await destination.deliver(event);
        if (server.scheme === 'postgres')
          expect(outcome).toEqual(expect.objectContaining({ ok: false, retryable: false }));
        else expect(outcome).toEqual({ ok: true }); // MariaDB stores \u0000 escaped inside the JSON text, which is valid
      } finally {
        await destination.close();
      }
    });
  });
}

describe('sql destination (postgres) schema option', () => {
  const database = throwawayName();
  beforeAll(() => postgresServer.createDatabase(database));
  afterAll(() => postgresServer.dropDatabase(database));

  it('creates the schema and its tables on first use, and writes there', async () => {
    const config = sqlDestination.parseConfig({
      scheme: 'postgres',
      host: '127.0.0.1',
      port: postgresServer.port,
      database,
      username: 'postgres',
      password: '',
      schema: 'terra',
    });
    await sqlDestination.verify(config, SERVICES);
    const tables = await postgresServer.query<{ table_name: string }>(
      database,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'terra' ORDER BY 1",
    );
    expect(tables.map((row) => row.table_name)).toEqual(['terra_data_payloads', 'terra_other_payloads', 'terra_users']);
    const destination = sqlDestination.open(config, SERVICES);
    try {
      const event = destinationEvent({ type: 'auth', status: 'success', user: testUser() });
      expect(await destination.deliver(event)).toEqual({ ok: true });
      expect(await storedRows(postgresServer, database, event, (name) => `terra.${name}`)).toEqual([event.payload]);
      expect(await countRows(postgresServer, database, (name) => `terra.${name}`)).toBe(1);
    } finally {
      await destination.close();
    }
  });
});

describe('sql destination config', () => {
  const base = { scheme: 'mysql', host: 'db.example', database: 'd', username: 'u', password: 'p' };
  it('rejects schema for mysql, unknown keys and unknown schemes, naming the field', () => {
    expect(() => sqlDestination.parseConfig({ ...base, schema: 'terra' })).toThrow(
      /config\.schema: applies to postgres only/,
    );
    expect(() => sqlDestination.parseConfig({ ...base, passwd: 'p' })).toThrow(
      /config: Unrecognized key\(s\) in object: 'passwd'/,
    );
    expect(() => sqlDestination.parseConfig({ ...base, scheme: 'oracle' })).toThrow(/config\.scheme/);
    expect(() => sqlDestination.parseConfig({ ...base, schema: undefined, scheme: 'postgres', schema_: 1 })).toThrow(
      /schema_/,
    );
  });
  it('fills in the default port only when connecting, keeping the config as given', () => {
    expect(sqlDestination.parseConfig(base)).toEqual(base);
  });
});

// Through the real API and delivery machinery, on both store engines (one SQL scheme each).
describe.each(ENGINES)('sql through POST /v2/destinations on the %s store', (engine) => {
  it('refuses bad credentials with 400 and the reason, hides the password, delivers stored data', async () => {
    const server = engine === 'postgres' ? postgresServer : mysqlServer;
    const database = throwawayName();
    await server.createDatabase(database);
    // A password that must never come back from the API (PostgreSQL here trusts loopback and ignores it;
    // on MariaDB it belongs to a user limited to the throwaway database).
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const username = server.scheme === 'postgres' ? 'postgres' : `u_${randomBytes(6).toString('hex')}`;
    if (server.scheme === 'mysql') {
      await adminMysql(`CREATE USER '${username}'@'127.0.0.1' IDENTIFIED BY '${password}'`);
      await adminMysql(
        `GRANT CREATE, SELECT, INSERT, UPDATE, DELETE, INDEX ON \`${database}\`.* TO '${username}'@'127.0.0.1'`,
      );
    }
    try {
      const config = { scheme: server.scheme, host: '127.0.0.1', port: server.port, database, username, password };
      await runApiFlow(engine, {
        type: 'sql',
        config,
        secretFields: ['password'],
        badConfig: {
          config: { ...config, database: 'no_such_database_x' },
          message: /sql destination check failed: .*no_such_database_x/,
        },
        delivered: async (userId, summaryId) => {
          const rows = await server
            .query<{ payload_id: string }>(database, 'SELECT payload_id FROM terra_data_payloads WHERE user_id = ?', [
              userId,
            ])
            .catch(() => []);
          return rows.find((row) => row.payload_id === `activity:${userId}:${summaryId}`);
        },
      });
    } finally {
      await server.dropDatabase(database);
      if (server.scheme === 'mysql') await adminMysql(`DROP USER IF EXISTS '${username}'@'127.0.0.1'`);
    }
  });
});

describe('sql destination (postgres) permissions', () => {
  const database = throwawayName();
  const role = `r_${randomBytes(6).toString('hex')}`;
  beforeAll(async () => {
    await postgresServer.createDatabase(database);
    await adminPg(`CREATE ROLE ${role} LOGIN`);
    await adminPg(`GRANT CONNECT ON DATABASE "${database}" TO ${role}`);
    await postgresServer.query(database, 'CREATE SCHEMA terra');
  });
  afterAll(async () => {
    await postgresServer.dropDatabase(database);
    await adminPg(`DROP ROLE IF EXISTS ${role}`);
  });
  const config = () =>
    sqlDestination.parseConfig({
      scheme: 'postgres',
      host: '127.0.0.1',
      port: postgresServer.port,
      database,
      username: role,
      password: '',
      schema: 'terra',
    });

  it('names the missing grant when the user may not create in the schema', async () => {
    await expect(sqlDestination.verify(config(), SERVICES)).rejects.toThrow(
      /permission denied for schema terra \(the user needs CONNECT on the database, CREATE on the schema/,
    );
  });

  it('works with exactly the documented grants: CONNECT on the database, USAGE and CREATE on an existing schema', async () => {
    await postgresServer.query(database, `GRANT USAGE, CREATE ON SCHEMA terra TO ${role}`);
    await sqlDestination.verify(config(), SERVICES);
    const destination = sqlDestination.open(config(), SERVICES);
    try {
      const event = destinationEvent({ type: 'auth', status: 'success', user: testUser() });
      expect(await destination.deliver(event)).toEqual({ ok: true });
      expect(await destination.deliver(event)).toEqual({ ok: true });
      expect(await storedRows(postgresServer, database, event, (name) => `terra.${name}`)).toEqual([event.payload]);
    } finally {
      await destination.close();
    }
  });
});

describe('sql destination against a server that accepts connections and never answers', () => {
  it.each(['postgres', 'mysql'] as const)(
    '%s: the attempt ends within the per-attempt budget, retryably',
    async (scheme) => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as { port: number }).port;
      const services = { payloadUrl: () => '', timeoutMs: 500 };
      const destination = sqlDestination.open(
        sqlDestination.parseConfig({ scheme, host: '127.0.0.1', port, database: 'd', username: 'u' }),
        services,
      );
      try {
        // Without the budget this would hang until the test times out.
        const outcome = await destination.deliver(
          destinationEvent({ type: 'auth', status: 'success', user: testUser() }),
        );
        expect(outcome).toEqual(expect.objectContaining({ ok: false, retryable: true }));
        expect((outcome as { error: string }).error).toMatch(/timed out|timeout|no answer within 500 ms/i);
      } finally {
        for (const socket of sockets) socket.destroy();
        await Promise.race([destination.close(), new Promise((resolve) => setTimeout(resolve, 1000))]);
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    },
  );
});
