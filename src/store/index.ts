import type { SecretBox } from '../core/crypto.ts';
import { openSqlStore } from './sql/sql-store.ts';
import type { Store } from './store.ts';

export type * from './store.ts';
export type { Db } from './sql/db.ts';

export interface StoreOptions {
  /** A postgres:// URL selects PostgreSQL; otherwise the embedded SQLite file is used. */
  databaseUrl?: string;
  /** Embedded engine: the SQLite file path. */
  sqliteFile?: string;
  /** PostgreSQL: run inside this schema (tests isolate themselves this way). */
  schema?: string;
  /** PostgreSQL: statement and connect timeouts (ms); see postgres-driver.ts for defaults. */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  box: SecretBox;
}

/**
 * Opens (and migrates) the store selected by the options. Only the selected engine's driver
 * is loaded (pg or better-sqlite3), when the store is opened.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    const { openPostgres } = await import('./postgres/postgres-driver.ts');
    return openSqlStore(
      await openPostgres({
        url: options.databaseUrl,
        schema: options.schema,
        statementTimeoutMs: options.statementTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs,
      }),
      options.box,
    );
  }
  const { openSqlite } = await import('./sqlite/sqlite-driver.ts');
  return openSqlStore(openSqlite(options.sqliteFile ?? ':memory:'), options.box);
}
