import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from '../sql/db.ts';

/**
 * The embedded engine: one SQLite file in WAL mode, so the CLI can read and write it
 * from a second process while the server runs (busy_timeout waits out the other writer).
 *
 * better-sqlite3 is synchronous, but our transactions span awaits. An async mutex keeps
 * any other caller out while a transaction is open; AsyncLocalStorage lets code inside
 * the transaction (and nested `transaction` calls) pass straight through.
 *
 * The mutex is shared by every connection this process opens on one file: a connection that
 * met another's open transaction would block the event loop in busy_timeout, so the other
 * could never reach its COMMIT (split API and worker roles in one process deadlocked so).
 * Other processes are waited out by busy_timeout as before.
 */
interface TransactionLock {
  current: Promise<void>;
}
const locksByFile = new Map<string, TransactionLock>();

function lockFor(file: string): TransactionLock {
  if (file === ':memory:') return { current: Promise.resolve() };
  const key = resolve(file);
  let lock = locksByFile.get(key);
  if (!lock) locksByFile.set(key, (lock = { current: Promise.resolve() }));
  return lock;
}

export function openSqlite(file: string): Db {
  if (file !== ':memory:') ownerOnly(file);
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  // SQLite gives the -wal and -shm files the database file's mode; set it again in case they existed.
  if (file !== ':memory:') for (const part of [`${file}-wal`, `${file}-shm`]) if (existsSync(part)) narrow(part, 0o600);
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  return new SqliteDb(sqlite, lockFor(file));
}

/**
 * The store holds every tenant's health data: its directory is 0700 and the database file
 * 0600, whatever the umask (an existing file or directory is narrowed too).
 */
function ownerOnly(file: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  narrow(dir, 0o700);
  narrow(file, 0o600);
}

/** chmod, except where this user does not own the path (the operator's choice then stands). */
function narrow(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EPERM') throw error;
  }
}

class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  readonly #sqlite: Database.Database;
  readonly #inTransaction = new AsyncLocalStorage<boolean>();
  readonly #lock: TransactionLock;
  readonly #statements = new Map<string, Database.Statement>();

  constructor(sqlite: Database.Database, lock: TransactionLock) {
    this.#sqlite = sqlite;
    this.#lock = lock;
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    await this.#waitOutsideTransaction();
    return this.#prepare(sql).all(...toSqlite(params)) as T[];
  }

  async get<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    await this.#waitOutsideTransaction();
    return this.#prepare(sql).get(...toSqlite(params)) as T | undefined;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    await this.#waitOutsideTransaction();
    const statement = this.#prepare(sql);
    if (!statement.reader) return { changes: statement.run(...toSqlite(params)).changes };
    statement.all(...toSqlite(params));
    return { changes: 0 };
  }

  async transaction<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (this.#inTransaction.getStore()) return fn(this);
    let release!: () => void;
    const previous = this.#lock.current;
    this.#lock.current = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await this.#inTransaction.run(true, async () => {
        this.#sqlite.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(this);
          this.#sqlite.exec('COMMIT');
          return result;
        } catch (error) {
          if (this.#sqlite.inTransaction) this.#sqlite.exec('ROLLBACK');
          throw error;
        }
      });
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    await this.#lock.current;
    this.#sqlite.close();
  }

  async #waitOutsideTransaction(): Promise<void> {
    if (this.#inTransaction.getStore()) return;
    // Wait until no transaction of ours is open, so we never write into someone else's.
    let current: Promise<void>;
    do {
      current = this.#lock.current;
      await current;
    } while (current !== this.#lock.current);
  }

  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#sqlite.prepare(sql);
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

function toSqlite(params: readonly unknown[]): unknown[] {
  return params.map((value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value === undefined ? null : value));
}
