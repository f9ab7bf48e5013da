import { createHash } from 'node:crypto';
import pg from 'pg';
import { MODEL_VERSION } from '../../../model/data-types.ts';
import type { DeliveryOutcome, Destination, DestinationEvent, DestinationServices } from '../destination.ts';
import { guardedPgStream, isBlockedAddress, privateTargetsRefused } from '../network-guard.ts';
import { assertPublicHosts, connectionStringHosts, verifyFailed, withDeadline } from '../event-parts.ts';
import { describePostgresError, postgresErrorIsPermanent, PostgresTables } from '../postgres-tables.ts';
import { terraRows, type TerraRows } from '../terra-rows.ts';
import { StorageError, storageClient, storageErrorIsPermanent, type StorageClient } from './storage.ts';
import type { SupabaseConfig } from './supabase-config.ts';

/**
 * Supabase = PostgreSQL + Storage. Terra's three tables are created in the project database
 * (Terra's Supabase flavour: timestamptz columns, payload rows referencing terra_users with
 * ON DELETE/UPDATE CASCADE) and each payload is also uploaded to the `terra-payloads` bucket;
 * `payload_id` is the object's name there. The upload runs inside the row transaction, so a
 * row never points at a missing file, and a redelivery overwrites both (upsert).
 */
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_NAME = 255;

/** Rows with payload_id replaced by the storage object name: `2022-03-16/{type}/{user_id}-{key}.json`. */
export function supabaseRows(event: DestinationEvent): TerraRows {
  const rows = terraRows(event);
  const named = (type: string, userId: string | null, key: string) => {
    const safe = key.replace(/\//g, '_');
    const name = `${MODEL_VERSION}/${type}/${userId ?? 'none'}-${safe}.json`;
    return name.length <= MAX_NAME
      ? name
      : `${MODEL_VERSION}/${type}/${userId ?? 'none'}-${createHash('sha256').update(key).digest('hex')}.json`;
  };
  return {
    users: rows.users,
    // The SQL payload_id is `{type}:{user}:{natural key}`; keep its key part.
    data: rows.data.map((row) => ({
      ...row,
      payload_id: named(
        row.data_type,
        row.user_id,
        row.payload_id.slice(row.data_type.length + row.user_id.length + 2),
      ),
    })),
    other: rows.other.map((row) => ({ ...row, payload_id: named(row.data_type, row.user_id, event.eventId) })),
  };
}

interface SupabaseTarget {
  tables: PostgresTables;
  storage: StorageClient;
  pool: pg.Pool;
}

/** `guarded`: the SSRF guard on every connection, database and storage alike. */
function openTarget(
  config: SupabaseConfig,
  timeoutMs: number,
  guarded: boolean,
  maxConnections: number,
): SupabaseTarget {
  const pool = new pg.Pool({
    ...(guarded ? { stream: guardedPgStream } : {}),
    connectionString: config.database_url,
    max: maxConnections,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'tributary-destination',
  });
  pool.on('error', () => {
    /* an idle connection died; the pool opens a new one on next use */
  });
  return {
    pool,
    tables: new PostgresTables({ pool, flavour: 'supabase' }),
    storage: storageClient(config.url, config.service_role_key, timeoutMs, guarded),
  };
}

/** The project's API host and the database host(s). */
function targetHosts(config: SupabaseConfig): string[] {
  return [new URL(config.url).hostname, ...connectionStringHosts(config.database_url)];
}

function describe(error: unknown): string {
  return error instanceof StorageError ? `storage: ${error.message}` : `database: ${describePostgresError(error)}`;
}

function isPermanent(error: unknown): boolean {
  return error instanceof StorageError ? storageErrorIsPermanent(error) : postgresErrorIsPermanent(error);
}

export function openSupabaseDestination(config: SupabaseConfig, services: DestinationServices): Destination {
  const timeoutMs = services.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const target = openTarget(config, timeoutMs, privateTargetsRefused(services), 2);
  return {
    async deliver(event: DestinationEvent): Promise<DeliveryOutcome> {
      const rows = supabaseRows(event);
      const files = [...rows.data, ...rows.other].map((row) => ({ path: row.payload_id, json: row.payload }));
      try {
        const write = async () => {
          await target.storage.ensureBucket();
          await target.tables.write(rows, async () => {
            await Promise.all(files.map((file) => target.storage.upload(file.path, file.json)));
          });
        };
        await withDeadline(write(), timeoutMs);
        return { ok: true };
      } catch (error) {
        return {
          ok: false,
          error: `supabase ${config.url}: ${describe(error)}`,
          retryable: !isPermanent(error) && !isBlockedAddress(error),
        };
      }
    },
    close: () => target.pool.end(),
  };
}

/** Creates the tables (their first use) and the bucket when missing: proves the database URL and the service-role key. */
export async function verifySupabaseDestination(config: SupabaseConfig, services: DestinationServices): Promise<void> {
  await assertPublicHosts('supabase', targetHosts(config), services);
  const target = openTarget(config, services.timeoutMs ?? DEFAULT_TIMEOUT_MS, privateTargetsRefused(services), 1);
  try {
    await target.tables.ensure();
    await target.storage.ensureBucket();
  } catch (error) {
    throw verifyFailed('supabase', `cannot use ${config.url}: ${describe(error)}`, error);
  } finally {
    await target.pool.end().catch(() => undefined);
  }
}
