import { sha256Hex } from '../../core/crypto.ts';
import { newId } from '../../core/ids.ts';
import { naturalKey, recordWindow, type TerraRecord } from '../../model/data-types.ts';
import { withoutSamples } from '../../model/samples.ts';
import { TributaryError } from '../../core/errors.ts';
import type { RawRecord, RawRecordRepo, RecordRepo } from '../store.ts';
import type { Db } from './db.ts';

/**
 * Normalized records are stored twice as JSON text: whole, and without sample arrays.
 * Reads then concatenate stored text instead of parsing and re-serializing, which keeps
 * `GET /v2/activity` close to the cost of writing the bytes (see bench/).
 */
export function recordRepo(db: Db): RecordRepo {
  return {
    async upsert(devId, userId, type, record, rawId = null) {
      const key = naturalKey(type, record);
      if (key === undefined) {
        throw new TributaryError('bad_request', `a ${type} record needs its natural key (${keyField(type)})`, {
          parameter: keyField(type),
        });
      }
      const payload = JSON.stringify(record);
      const existing = await db.get<{ payload: string }>(
        'SELECT payload FROM records WHERE dev_id = ? AND user_id = ? AND data_type = ? AND natural_key = ?',
        [devId, userId, type, key],
      );
      if (existing?.payload === payload) return { key, changed: false };
      const window = recordWindow(type, record);
      const startMs = toMs(window.start);
      const endMs = toMs(window.end) ?? startMs;
      await db.run(
        `INSERT INTO records (dev_id, user_id, data_type, natural_key, start_ms, end_ms, payload, payload_summary, raw_id, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (dev_id, user_id, data_type, natural_key) DO UPDATE SET start_ms = excluded.start_ms, end_ms = excluded.end_ms,
           payload = excluded.payload, payload_summary = excluded.payload_summary, raw_id = excluded.raw_id, updated_at = excluded.updated_at`,
        [
          devId,
          userId,
          type,
          key,
          startMs,
          endMs,
          payload,
          JSON.stringify(withoutSamples(record)),
          rawId,
          new Date().toISOString(),
        ],
      );
      return { key, changed: true };
    },
    async listJson(devId, userId, type, { startMs, endMs, withSamples, limit }) {
      const column = withSamples ? 'payload' : 'payload_summary';
      const where = ['dev_id = ?', 'user_id = ?', 'data_type = ?'];
      const params: unknown[] = [devId, userId, type];
      if (type !== 'athlete' && startMs !== undefined) {
        where.push('COALESCE(end_ms, start_ms) >= ?');
        params.push(startMs);
      }
      if (type !== 'athlete' && endMs !== undefined) {
        where.push('start_ms < ?');
        params.push(endMs);
      }
      const limitSql = limit ? ` LIMIT ${Math.floor(limit)}` : '';
      const rows = await db.all<{ json: string }>(
        `SELECT ${column} AS json FROM records WHERE ${where.join(' AND ')} ORDER BY start_ms, natural_key${limitSql}`,
        params,
      );
      return rows.map((row) => row.json);
    },
    async get(devId, userId, type, key) {
      const row = await db.get<{ payload: string }>(
        'SELECT payload FROM records WHERE dev_id = ? AND user_id = ? AND data_type = ? AND natural_key = ?',
        [devId, userId, type, key],
      );
      return row && (JSON.parse(row.payload) as TerraRecord);
    },
    async delete(devId, userId, type, keys) {
      const deleted: string[] = [];
      await db.transaction(async (tx) => {
        for (const key of keys) {
          const { changes } = await tx.run(
            'DELETE FROM records WHERE dev_id = ? AND user_id = ? AND data_type = ? AND natural_key = ?',
            [devId, userId, type, key],
          );
          if (changes > 0) deleted.push(key);
        }
      });
      return deleted;
    },
    async rawLinks(devId, userId, type, { startMs, endMs, limit }) {
      const where = ['r.dev_id = ?', 'r.user_id = ?', 'r.data_type = ?'];
      const params: unknown[] = [devId, userId, type];
      if (startMs !== undefined) {
        where.push('COALESCE(r.end_ms, r.start_ms) >= ?');
        params.push(startMs);
      }
      if (endMs !== undefined) {
        where.push('r.start_ms < ?');
        params.push(endMs);
      }
      const rows = await db.all<RawLinkRow>(
        `SELECT r.natural_key, r.start_ms, w.raw_id, w.provider, w.external_id, w.content_type, w.sha256, w.received_at,
                LENGTH(w.body) AS bytes
           FROM records r LEFT JOIN raw_records w ON w.raw_id = r.raw_id AND w.dev_id = r.dev_id AND w.user_id = r.user_id
          WHERE ${where.join(' AND ')} ORDER BY r.start_ms, r.natural_key LIMIT ${Math.max(1, Math.floor(limit))}`,
        params,
      );
      return rows.map((row) => ({
        naturalKey: row.natural_key,
        startMs: row.start_ms === null ? null : Number(row.start_ms),
        raw:
          row.raw_id === null
            ? null
            : {
                rawId: row.raw_id,
                provider: row.provider!,
                externalId: row.external_id!,
                contentType: row.content_type!,
                sha256: row.sha256!,
                receivedAt: row.received_at!,
                bytes: Number(row.bytes ?? 0),
              },
      }));
    },
    async count(devId, userId, type) {
      const row = type
        ? await db.get<{ n: number }>(
            'SELECT COUNT(*) AS n FROM records WHERE dev_id = ? AND user_id = ? AND data_type = ?',
            [devId, userId, type],
          )
        : await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM records WHERE dev_id = ? AND user_id = ?', [
            devId,
            userId,
          ]);
      return Number(row?.n ?? 0);
    },
  };
}

function keyField(type: string): string {
  if (type === 'activity' || type === 'sleep') return 'metadata.summary_id';
  if (type === 'planned_workout') return 'metadata.id';
  return 'metadata.start_time';
}

function toMs(value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

interface RawLinkRow {
  natural_key: string;
  start_ms: number | string | null;
  raw_id: string | null;
  provider: string | null;
  external_id: string | null;
  content_type: string | null;
  sha256: string | null;
  received_at: string | null;
  bytes: number | string | null;
}

interface RawRow {
  raw_id: string;
  dev_id: string;
  user_id: string;
  provider: string;
  data_type: string;
  external_id: string;
  content_type: string;
  sha256: string;
  body: Buffer | Uint8Array;
  received_at: string;
}

const toRaw = (row: RawRow): RawRecord => ({
  rawId: row.raw_id,
  devId: row.dev_id,
  userId: row.user_id,
  provider: row.provider,
  dataType: row.data_type,
  externalId: row.external_id,
  contentType: row.content_type,
  sha256: row.sha256,
  body: Buffer.from(row.body),
  receivedAt: row.received_at,
});

/** Raw provider payloads, byte for byte. The same bytes under the same external id are kept once. */
export function rawRecordRepo(db: Db): RawRecordRepo {
  return {
    async put(devId, input) {
      const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
      const sha256 = sha256Hex(body);
      const existing = await db.get<{ raw_id: string }>(
        'SELECT raw_id FROM raw_records WHERE dev_id = ? AND user_id = ? AND provider = ? AND external_id = ? AND sha256 = ?',
        [devId, input.userId, input.provider, input.externalId, sha256],
      );
      if (existing) return { rawId: existing.raw_id, inserted: false };
      const rawId = newId('raw');
      await db.run(
        `INSERT INTO raw_records (raw_id, dev_id, user_id, provider, data_type, external_id, content_type, sha256, body, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          rawId,
          devId,
          input.userId,
          input.provider,
          input.dataType,
          input.externalId,
          input.contentType,
          sha256,
          body,
          new Date().toISOString(),
        ],
      );
      return { rawId, inserted: true };
    },
    async get(devId, rawId) {
      const row = await db.get<RawRow>('SELECT * FROM raw_records WHERE dev_id = ? AND raw_id = ?', [devId, rawId]);
      return row && toRaw(row);
    },
    async list(devId, userId, filter = {}) {
      const where = ['dev_id = ?', 'user_id = ?'];
      const params: unknown[] = [devId, userId];
      if (filter.provider) {
        where.push('provider = ?');
        params.push(filter.provider);
      }
      if (filter.externalId) {
        where.push('external_id = ?');
        params.push(filter.externalId);
      }
      return (
        await db.all<RawRow>(
          `SELECT * FROM raw_records WHERE ${where.join(' AND ')} ORDER BY received_at, raw_id`,
          params,
        )
      ).map(toRaw);
    },
    async latest(devId, userId, filter) {
      const where = ['r.dev_id = ?', 'r.user_id = ?'];
      const params: unknown[] = [devId, userId];
      if (filter.provider) {
        where.push('r.provider = ?');
        params.push(filter.provider);
      }
      if (filter.dataTypes) {
        if (filter.dataTypes.length === 0) return [];
        where.push(`r.data_type IN (${filter.dataTypes.map(() => '?').join(', ')})`);
        params.push(...filter.dataTypes);
      }
      if (filter.externalId !== undefined) {
        where.push('r.external_id = ?');
        params.push(filter.externalId);
      }
      if (filter.afterRawId) {
        where.push('r.raw_id > ?');
        params.push(filter.afterRawId);
      }
      // A newer version of the same payload hides this one (ties on the timestamp: the larger id).
      const rows = await db.all<RawRow>(
        `SELECT r.* FROM raw_records r
          WHERE ${where.join(' AND ')}
            AND NOT EXISTS (SELECT 1 FROM raw_records n
                             WHERE n.dev_id = r.dev_id AND n.user_id = r.user_id AND n.provider = r.provider
                               AND n.external_id = r.external_id AND n.data_type = r.data_type
                               AND (n.received_at > r.received_at OR (n.received_at = r.received_at AND n.raw_id > r.raw_id)))
          ORDER BY r.raw_id LIMIT ${Math.max(1, Math.floor(filter.limit))}`,
        params,
      );
      return rows.map(toRaw);
    },
  };
}
