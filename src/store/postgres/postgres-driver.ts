import pg from 'pg';
import type { Db } from '../sql/db.ts';

// BIGINT (epoch milliseconds) comes back as a JS number: every value we store fits in 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

export interface PostgresOptions {
  url: string;
  /** Run everything inside this schema (created when missing); tests use one schema each. */
  schema?: string;
  maxConnections?: number;
  /** statement_timeout of every session (ms); the client gives up 5 s later. Default 60 s. */
  statementTimeoutMs?: number;
  /** How long opening a connection may take (ms). Default 10 s. */
  connectTimeoutMs?: number;
}

/**
 * A database that stops answering must fail calls, not hang them: connecting, every statement,
 * and a transaction left idle are each bounded.
 */
function timeouts(options: PostgresOptions) {
  const statement = options.statementTimeoutMs ?? 60_000;
  return {
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    statement_timeout: statement,
    query_timeout: statement + 5_000,
    idle_in_transaction_session_timeout: Math.max(statement, 60_000),
  };
}

/** The scale-out engine: a `pg` pool. `?` placeholders are rewritten to `$n`. */
export async function openPostgres(options: PostgresOptions): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    ...timeouts(options),
    ...(options.schema ? { options: `-c search_path=${quoteIdent(options.schema)}` } : {}),
  });
  pool.on('error', () => {
    /* an idle client died (server restart); the pool replaces it on next use */
  });
  if (options.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
  return new PostgresDb(pool, pool);
}

type Queryable = pg.Pool | pg.PoolClient;

class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #target: Queryable;
  readonly #inTransaction: boolean;

  constructor(pool: pg.Pool, target: Queryable, inTransaction = false) {
    this.#pool = pool;
    this.#target = target;
    this.#inTransaction = inTransaction;
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.#target.query(toPositional(sql), [...params]);
    return result.rows as T[];
  }

  async get<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    const result = await this.#target.query(toPositional(sql), [...params]);
    return { changes: result.rowCount ?? 0 };
  }

  async transaction<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return fn(this);
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PostgresDb(this.#pool, client, true));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  poolUse(): { total: number; idle: number; waiting: number; max: number } {
    const pool = this.#pool;
    return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 };
  }

  async close(): Promise<void> {
    if (!this.#inTransaction) await this.#pool.end();
  }
}

const cache = new Map<string, string>();

/** Rewrites `?` placeholders to `$1, $2, …` (our SQL never has `?` inside string literals). */
export function toPositional(sql: string): string {
  let out = cache.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    cache.set(sql, out);
  }
  return out;
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid identifier: ${name}`);
  return `"${name}"`;
}
