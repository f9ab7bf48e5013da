import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DeliveryOutcome, Destination, DestinationEvent, DestinationServices } from '../destination.ts';
import { guardedMysqlStream, guardedPgStream, isBlockedAddress, privateTargetsRefused } from '../network-guard.ts';
import { assertPublicHosts, verifyFailed, withDeadline } from '../event-parts.ts';
import { describeMysqlError, mysqlErrorIsPermanent, MysqlTables } from './mysql-tables.ts';
import { describePostgresError, postgresErrorIsPermanent, PostgresTables } from '../postgres-tables.ts';
import { defaultPort, type SqlConfig } from './sql-config.ts';
import { terraRows, type TerraRows } from '../terra-rows.ts';

/** Used when the delivery machinery gives no per-attempt budget (`services.timeoutMs`). */
const DEFAULT_TIMEOUT_MS = 10_000;

/** One open connection pool to the developer's database, behind the two dialects. */
interface SqlTarget {
  ensure(): Promise<void>;
  write(rows: TerraRows): Promise<void>;
  describe(error: unknown): string;
  isPermanent(error: unknown): boolean;
  close(): Promise<void>;
}

export function openSqlDestination(config: SqlConfig, services: DestinationServices): Destination {
  const timeoutMs = services.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const target = openTarget(config, timeoutMs, privateTargetsRefused(services));
  const where = location(config);
  return {
    async deliver(event: DestinationEvent): Promise<DeliveryOutcome> {
      try {
        await withDeadline(target.write(terraRows(event)), timeoutMs);
        return { ok: true };
      } catch (error) {
        return {
          ok: false,
          error: `${where}: ${target.describe(error)}`,
          retryable: !target.isPermanent(error) && !isBlockedAddress(error),
        };
      }
    },
    close: () => target.close(),
  };
}

/** Connects, creates the tables when missing (this is their first use), and disconnects. */
export async function verifySqlDestination(config: SqlConfig, services: DestinationServices): Promise<void> {
  await assertPublicHosts('sql', [config.host], services);
  const target = openTarget(config, services.timeoutMs ?? DEFAULT_TIMEOUT_MS, privateTargetsRefused(services), 1);
  try {
    await target.ensure();
  } catch (error) {
    throw verifyFailed('sql', `cannot use ${location(config)}: ${target.describe(error)}`, error);
  } finally {
    await target.close().catch(() => undefined);
  }
}

function location(config: SqlConfig): string {
  return `${config.scheme} at ${config.host}:${config.port ?? defaultPort(config.scheme)}/${config.database}`;
}

/** `guarded`: every connection is checked on the address it actually uses (SSRF guard). */
function openTarget(config: SqlConfig, timeoutMs: number, guarded: boolean, maxConnections = 2): SqlTarget {
  return config.scheme === 'postgres'
    ? openPostgres(config, timeoutMs, guarded, maxConnections)
    : openMysql(config, timeoutMs, guarded, maxConnections);
}

function openPostgres(config: SqlConfig, timeoutMs: number, guarded: boolean, maxConnections: number): SqlTarget {
  const pool = new pg.Pool({
    ...(guarded ? { stream: guardedPgStream } : {}),
    host: config.host,
    port: config.port ?? defaultPort(config.scheme),
    database: config.database,
    user: config.username,
    password: config.password,
    ssl:
      config.ssl === undefined || config.ssl === false
        ? undefined
        : config.ssl === true
          ? { rejectUnauthorized: true }
          : { ca: config.ssl.ca, rejectUnauthorized: config.ssl.reject_unauthorized ?? true },
    max: maxConnections,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'tributary-destination',
  });
  pool.on('error', () => {
    /* an idle connection died (server restart); the pool opens a new one on next use */
  });
  const tables = new PostgresTables({ pool, schema: config.schema, flavour: 'sql' });
  return {
    ensure: () => tables.ensure(),
    write: (rows) => tables.write(rows),
    describe: describePostgresError,
    isPermanent: postgresErrorIsPermanent,
    close: () => pool.end(),
  };
}

function openMysql(config: SqlConfig, timeoutMs: number, guarded: boolean, maxConnections: number): SqlTarget {
  const pool = mysql.createPool({
    ...(guarded ? { stream: guardedMysqlStream } : {}),
    host: config.host,
    port: config.port ?? defaultPort(config.scheme),
    database: config.database,
    user: config.username,
    password: config.password,
    ssl:
      config.ssl === undefined || config.ssl === false
        ? undefined
        : config.ssl === true
          ? {}
          : { ca: config.ssl.ca, rejectUnauthorized: config.ssl.reject_unauthorized ?? true },
    connectionLimit: maxConnections,
    connectTimeout: timeoutMs,
    charset: 'utf8mb4',
  });
  const tables = new MysqlTables(pool);
  return {
    ensure: () => tables.ensure(),
    write: (rows) => tables.write(rows),
    describe: describeMysqlError,
    isPermanent: mysqlErrorIsPermanent,
    close: () => pool.end(),
  };
}
