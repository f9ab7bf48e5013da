import type { Pool, PoolConnection } from 'mysql2/promise';
import type { TerraRows } from '../terra-rows.ts';
import { describeConnectionError, describeUncodedError } from '../connection-errors.ts';

/**
 * Terra's tables on MySQL / MariaDB, created on first use in the configured database and
 * written idempotently (INSERT … ON DUPLICATE KEY UPDATE). `payload` is a JSON column
 * (MariaDB: LONGTEXT with a JSON_VALID check).
 */
const DDL = [
  `CREATE TABLE IF NOT EXISTS terra_users (
    user_id VARCHAR(64) NOT NULL PRIMARY KEY,
    reference_id TEXT NULL,
    created_at VARCHAR(64) NULL,
    granted_scopes TEXT NULL,
    provider VARCHAR(64) NULL,
    state VARCHAR(20) NOT NULL DEFAULT 'active'
  ) DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS terra_data_payloads (
    payload_id VARCHAR(255) NOT NULL PRIMARY KEY,
    user_id VARCHAR(64) NOT NULL,
    data_type VARCHAR(32) NOT NULL,
    created_at VARCHAR(64) NOT NULL,
    start_time VARCHAR(64) NULL,
    end_time VARCHAR(64) NULL,
    payload JSON NOT NULL,
    KEY terra_data_payloads_user_type_start (user_id, data_type, start_time)
  ) DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS terra_other_payloads (
    payload_id VARCHAR(255) NOT NULL PRIMARY KEY,
    user_id VARCHAR(64) NULL,
    data_type VARCHAR(64) NOT NULL,
    payload_type VARCHAR(32) NULL,
    created_at VARCHAR(64) NOT NULL,
    payload JSON NOT NULL,
    KEY terra_other_payloads_user_type (user_id, data_type)
  ) DEFAULT CHARSET=utf8mb4`,
];

/** ER_NO_SUCH_TABLE */
const NO_SUCH_TABLE = 1146;

export class MysqlTables {
  readonly #pool: Pool;
  #ready: Promise<void> | null = null;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  ensure(): Promise<void> {
    this.#ready ??= (async () => {
      for (const statement of DDL) await this.#pool.query(statement);
    })().catch((error: unknown) => {
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }

  async write(rows: TerraRows): Promise<void> {
    await this.ensure();
    try {
      await this.#write(rows);
    } catch (error) {
      if ((error as { errno?: number }).errno !== NO_SUCH_TABLE) throw error;
      this.#ready = null;
      await this.ensure();
      await this.#write(rows);
    }
  }

  async #write(rows: TerraRows): Promise<void> {
    const connection: PoolConnection = await this.#pool.getConnection();
    try {
      await connection.beginTransaction();
      for (const user of rows.users) {
        // Assignments run left to right; none reads a column an earlier one changed.
        await connection.execute(
          `INSERT INTO terra_users (user_id, reference_id, created_at, granted_scopes, provider, state)
           VALUES (?, ?, ?, ?, ?, COALESCE(?, 'active'))
           ON DUPLICATE KEY UPDATE
             reference_id = VALUES(reference_id),
             created_at = COALESCE(VALUES(created_at), created_at),
             granted_scopes = VALUES(granted_scopes),
             provider = COALESCE(VALUES(provider), provider),
             state = COALESCE(?, state)`,
          [
            user.user_id,
            user.reference_id,
            user.created_at,
            user.granted_scopes,
            user.provider,
            user.state,
            user.state,
          ],
        );
      }
      for (const row of rows.data) {
        await connection.execute(
          `INSERT INTO terra_data_payloads (payload_id, user_id, data_type, created_at, start_time, end_time, payload)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), data_type = VALUES(data_type), created_at = VALUES(created_at),
             start_time = VALUES(start_time), end_time = VALUES(end_time), payload = VALUES(payload)`,
          [row.payload_id, row.user_id, row.data_type, row.created_at, row.start_time, row.end_time, row.payload],
        );
      }
      for (const row of rows.other) {
        await connection.execute(
          `INSERT INTO terra_other_payloads (payload_id, user_id, data_type, payload_type, created_at, payload)
           VALUES (?, ?, ?, ?, ?, ?)
           ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), data_type = VALUES(data_type), payload_type = VALUES(payload_type),
             created_at = VALUES(created_at), payload = VALUES(payload)`,
          [row.payload_id, row.user_id, row.data_type, row.payload_type, row.created_at, row.payload],
        );
      }
      await connection.commit();
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }
}

/** MySQL errors no retry can fix: bad or oversized data (a payload larger than max_allowed_packet, invalid JSON…). */
const PERMANENT_ERRNOS = new Set([1153, 1292, 1366, 1406, 3140, 4025]);

export function mysqlErrorIsPermanent(error: unknown): boolean {
  const errno = (error as { errno?: unknown }).errno;
  return typeof errno === 'number' && PERMANENT_ERRNOS.has(errno);
}

export function describeMysqlError(error: unknown): string {
  const e = error as { code?: string; errno?: number; message?: string };
  const network = describeConnectionError(error);
  if (network !== undefined) return network;
  switch (e.code) {
    case 'ER_ACCESS_DENIED_ERROR':
      return `the server rejected the credentials: ${e.message}`;
    case 'ER_BAD_DB_ERROR':
      return `${e.message} (create the database first)`;
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_TABLEACCESS_DENIED_ERROR':
      return `${e.message} (the user needs CREATE, SELECT, INSERT, UPDATE, DELETE on the database)`;
    default:
      return describeUncodedError(error, 'MySQL');
  }
}
