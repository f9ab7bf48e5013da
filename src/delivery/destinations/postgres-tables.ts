import type pg from 'pg';
import type { TerraRows } from './terra-rows.ts';
import { describeConnectionError, describeUncodedError } from './connection-errors.ts';

/**
 * Terra's tables on PostgreSQL, created on first use and written idempotently (upsert by key).
 * Two flavours: `sql` keeps Terra's SQL destination column types (timestamps as text, as the
 * provider sent them); `supabase` follows Terra's Supabase layout (timestamptz columns, payload
 * rows referencing their user with ON DELETE/UPDATE CASCADE).
 */
export type PostgresFlavour = 'sql' | 'supabase';

export interface PostgresTablesOptions {
  pool: pg.Pool;
  /** Schema to create the tables in; undefined = the connection's search_path (usually `public`). */
  schema?: string;
  flavour: PostgresFlavour;
}

/** Runs inside the write transaction, after the rows were written and before COMMIT (Supabase uploads the raw files here). */
export type BeforeCommit = () => Promise<void>;

export class PostgresTables {
  readonly #pool: pg.Pool;
  readonly #schema: string | undefined;
  readonly #flavour: PostgresFlavour;
  #ready: Promise<void> | null = null;

  constructor(options: PostgresTablesOptions) {
    this.#pool = options.pool;
    this.#schema = options.schema;
    this.#flavour = options.flavour;
  }

  /** `"schema".name` or `name`. */
  table(name: string): string {
    return this.#schema ? `${quoteIdent(this.#schema)}.${name}` : name;
  }

  /** Creates the schema and tables when missing (once per instance; again after a failure or a dropped table). */
  ensure(): Promise<void> {
    this.#ready ??= this.#create().catch((error: unknown) => {
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }

  async write(rows: TerraRows, beforeCommit?: BeforeCommit): Promise<void> {
    await this.ensure();
    try {
      await this.#write(rows, beforeCommit);
    } catch (error) {
      // Someone dropped a table after we created it: Terra recreates it, so do we, once.
      if ((error as { code?: string }).code !== '42P01') throw error;
      this.#ready = null;
      await this.ensure();
      await this.#write(rows, beforeCommit);
    }
  }

  async #create(): Promise<void> {
    const client = await this.#checkout();
    try {
      await client.query('BEGIN');
      // Concurrent first uses (several workers) would race on CREATE … IF NOT EXISTS.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('tributary.terra_tables'))`);
      // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists;
      // a user granted only USAGE, CREATE on an existing schema must still get through.
      if (this.#schema) {
        const existing = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.#schema]);
        if (existing.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.#schema)}`);
      }
      for (const statement of this.#ddl()) await client.query(statement);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.removeListener('error', ignore);
      client.release();
    }
  }

  /**
   * A pooled client with an error listener for as long as we hold it: the pool only listens
   * to idle clients, and a server that goes away between two statements would otherwise
   * surface as an uncaught 'error' event instead of the failed query it also causes.
   */
  async #checkout(): Promise<pg.PoolClient> {
    const client = await this.#pool.connect();
    client.on('error', ignore);
    return client;
  }

  #ddl(): string[] {
    const users = this.table('terra_users');
    const data = this.table('terra_data_payloads');
    const other = this.table('terra_other_payloads');
    const time = this.#flavour === 'supabase' ? 'timestamptz' : 'text';
    const userRef =
      this.#flavour === 'supabase' ? ` REFERENCES ${users} (user_id) ON DELETE CASCADE ON UPDATE CASCADE` : '';
    const prefix = this.#schema ? `${this.#schema}_` : '';
    return [
      `CREATE TABLE IF NOT EXISTS ${users} (
        user_id varchar(64) PRIMARY KEY,
        reference_id text,
        created_at ${time},
        granted_scopes text,
        provider text,
        state varchar(20) NOT NULL DEFAULT 'active'
      )`,
      `CREATE TABLE IF NOT EXISTS ${data} (
        payload_id varchar(255) PRIMARY KEY,
        user_id varchar(64) NOT NULL${userRef},
        data_type varchar(32) NOT NULL,
        created_at ${time} NOT NULL,
        start_time ${time},
        end_time ${time},
        payload jsonb NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${prefix}terra_data_payloads_user_type_start`)} ON ${data} (user_id, data_type, start_time)`,
      `CREATE TABLE IF NOT EXISTS ${other} (
        payload_id varchar(255) PRIMARY KEY,
        user_id varchar(64)${userRef},
        data_type varchar(64) NOT NULL,
        payload_type varchar(32),
        created_at ${time} NOT NULL,
        payload jsonb NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${prefix}terra_other_payloads_user_type`)} ON ${other} (user_id, data_type)`,
    ];
  }

  async #write(rows: TerraRows, beforeCommit?: BeforeCommit): Promise<void> {
    const client = await this.#checkout();
    try {
      await client.query('BEGIN');
      for (const user of rows.users) {
        await client.query(
          `INSERT INTO ${this.table('terra_users')} AS u (user_id, reference_id, created_at, granted_scopes, provider, state)
           VALUES ($1, $2, $3, $4, $5, COALESCE($6::varchar, 'active'))
           ON CONFLICT (user_id) DO UPDATE SET
             reference_id = EXCLUDED.reference_id,
             created_at = COALESCE(EXCLUDED.created_at, u.created_at),
             granted_scopes = EXCLUDED.granted_scopes,
             provider = COALESCE(EXCLUDED.provider, u.provider),
             state = COALESCE($6::varchar, u.state)`,
          [user.user_id, user.reference_id, user.created_at, user.granted_scopes, user.provider, user.state],
        );
      }
      for (const row of rows.data) {
        await client.query(
          `INSERT INTO ${this.table('terra_data_payloads')} (payload_id, user_id, data_type, created_at, start_time, end_time, payload)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
           ON CONFLICT (payload_id) DO UPDATE SET
             user_id = EXCLUDED.user_id, data_type = EXCLUDED.data_type, created_at = EXCLUDED.created_at,
             start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time, payload = EXCLUDED.payload`,
          [row.payload_id, row.user_id, row.data_type, row.created_at, row.start_time, row.end_time, row.payload],
        );
      }
      for (const row of rows.other) {
        await client.query(
          `INSERT INTO ${this.table('terra_other_payloads')} (payload_id, user_id, data_type, payload_type, created_at, payload)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb)
           ON CONFLICT (payload_id) DO UPDATE SET
             user_id = EXCLUDED.user_id, data_type = EXCLUDED.data_type, payload_type = EXCLUDED.payload_type,
             created_at = EXCLUDED.created_at, payload = EXCLUDED.payload`,
          [row.payload_id, row.user_id, row.data_type, row.payload_type, row.created_at, row.payload],
        );
      }
      if (beforeCommit) await beforeCommit();
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.removeListener('error', ignore);
      client.release();
    }
  }
}

function ignore(): void {
  /* the failed statement reports the error */
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** PostgreSQL error classes that no retry can fix: bad data (22) and program limits such as a row too large (54). */
export function postgresErrorIsPermanent(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^(22|54)/.test(code);
}

/** A human reason for a failed connection or statement, for verify() and delivery errors. */
export function describePostgresError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const network = describeConnectionError(error);
  if (network !== undefined) return network;
  switch (e.code) {
    case '28P01':
    case '28000':
      return `the server rejected the credentials: ${e.message}`;
    case '3D000':
      return `${e.message} (create the database first)`;
    case '42501':
      return `${e.message} (the user needs CONNECT on the database, CREATE on the schema, and SELECT, INSERT, UPDATE, DELETE on the tables)`;
    default:
      return describeUncodedError(error, 'PostgreSQL');
  }
}
