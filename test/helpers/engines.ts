import { appendFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SecretBox } from '../../src/core/crypto.ts';
import { openStore, type Db } from '../../src/store/index.ts';
import { openPostgres } from '../../src/store/postgres/postgres-driver.ts';
import { openSqlite } from '../../src/store/sqlite/sqlite-driver.ts';
import type { Store } from '../../src/store/store.ts';

/** Every store engine; contract suites run once per entry. */
export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

/** This machine's PostgreSQL (trust auth). CI starts it; tests never skip it. */
export const TEST_DATABASE_URL =
  process.env.TRIBUTARY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const TEST_KEY = 'a'.repeat(64);
export const testBox = () => new SecretBox(Buffer.from(TEST_KEY, 'hex'));

/** A schema name unique to one test, so test files run in parallel on one server. */
export function isolatedSchema(name: string): string {
  return `t_${createHash('sha1')
    .update(name + process.pid + Math.random())
    .digest('hex')
    .slice(0, 20)}`;
}

export function tempDir(prefix = 'tributary-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Records that a PostgreSQL-backed test ran, so `.ci/run` can fail when none did
 * (a silently skipped engine must not look like a pass).
 */
export function markEngineUsed(engine: Engine): void {
  const dir = process.env.TRIBUTARY_TEST_MARKERS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, engine), `${process.pid}\n`);
}

export interface TestStore {
  store: Store;
  /** Set for the postgres engine. */
  schema?: string;
  databaseUrl?: string;
  sqliteFile?: string;
  /**
   * A second connection to the same database, for tests that look under the contract (what
   * is stored at rest, migrations of old data). Application code has no such door.
   */
  sql(): Promise<Db>;
  close(): Promise<void>;
}

/** Opens a driver connection to a test database (the store's file, or its PostgreSQL schema), once. */
export function rawConnection(location: { sqliteFile?: string; schema?: string }): {
  sql(): Promise<Db>;
  close(): Promise<void>;
} {
  let db: Promise<Db> | undefined;
  return {
    sql() {
      db ??= location.schema
        ? openPostgres({ url: TEST_DATABASE_URL, schema: location.schema, maxConnections: 2 })
        : Promise.resolve(openSqlite(location.sqliteFile!));
      return db;
    },
    async close() {
      if (db) await (await db).close();
    },
  };
}

export async function openTestStore(engine: Engine, name: string): Promise<TestStore> {
  markEngineUsed(engine);
  if (engine === 'postgres') {
    const schema = isolatedSchema(name);
    const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema, box: testBox() });
    const raw = rawConnection({ schema });
    return {
      store,
      schema,
      databaseUrl: TEST_DATABASE_URL,
      sql: raw.sql,
      close: async () => {
        await raw.close();
        await store.close();
        await dropSchema(schema);
      },
    };
  }
  const sqliteFile = join(tempDir(), 'tributary.db');
  const store = await openStore({ sqliteFile, box: testBox() });
  const raw = rawConnection({ sqliteFile });
  return {
    store,
    sqliteFile,
    sql: raw.sql,
    close: async () => {
      await raw.close();
      await store.close();
    },
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
