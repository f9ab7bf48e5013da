import { randomBytes } from 'node:crypto';
import { hashApiKey, safeEqualHex } from '../../core/crypto.ts';
import type { AppleSampleRepo, AppleSampleRow, AppleSdkRepo, DirtyBucket, SdkTokenCheck } from '../store.ts';
import type { Db } from './db.ts';

/**
 * SQL for the Apple tables (migration 0050): SDK tokens, per-user SDK secrets and the
 * sample table. Every statement is scoped by developer id.
 */
const COLUMNS = [
  'owner_key',
  'bucket',
  'natural_key',
  'uuid',
  'type',
  'source_name',
  'start_ms',
  'end_ms',
  'offset_min',
  'value',
  'text_value',
  'priority',
  'meta',
] as const;
const ROWS_PER_STATEMENT = 400;
const statements = new Map<string, string>();

function insertStatement(rows: number, upsert: boolean): string {
  const cacheKey = `${rows}:${upsert}`;
  let sql = statements.get(cacheKey);
  if (!sql) {
    const tuple = `(${COLUMNS.map(() => '?').join(', ')})`;
    const conflict = upsert
      ? 'ON CONFLICT (owner_key, bucket, natural_key) DO UPDATE SET meta = excluded.meta, offset_min = excluded.offset_min WHERE apple_samples.meta IS DISTINCT FROM excluded.meta'
      : 'ON CONFLICT DO NOTHING';
    sql = `INSERT INTO apple_samples (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')} ${conflict} RETURNING bucket`;
    statements.set(cacheKey, sql);
  }
  return sql;
}

/**
 * The natural key: a 53-bit digest (exact as a JS number) of (type, source, start, end).
 * Two different samples sharing it would need a ~1-in-2^53 coincidence within one user's
 * day. cyrb53 (public domain): a fast, well-mixed non-cryptographic string hash — the key
 * is computed for every one of an export's millions of records.
 */
function naturalKey(row: Pick<AppleSampleRow, 'type' | 'sourceName' | 'startMs' | 'endMs'>): number {
  const text = `${row.type}|${row.sourceName}|${row.startMs}|${row.endMs}`;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The user's small integer key in the sample table (created on first use). */
async function ownerKey(db: Db, devId: string, userId: string): Promise<number> {
  const existing = await db.get<{ owner_key: number | string }>(
    'SELECT owner_key FROM apple_sample_owners WHERE dev_id = ? AND user_id = ?',
    [devId, userId],
  );
  if (existing) return Number(existing.owner_key);
  await db.run('INSERT INTO apple_sample_owners (dev_id, user_id) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING', [
    devId,
    userId,
  ]);
  const created = await db.get<{ owner_key: number | string }>(
    'SELECT owner_key FROM apple_sample_owners WHERE dev_id = ? AND user_id = ?',
    [devId, userId],
  );
  if (!created) throw new Error(`user ${userId} does not belong to developer ${devId}`);
  return Number(created.owner_key);
}

async function existingOwnerKey(db: Db, devId: string, userId: string): Promise<number | undefined> {
  const row = await db.get<{ owner_key: number | string }>(
    'SELECT owner_key FROM apple_sample_owners WHERE dev_id = ? AND user_id = ?',
    [devId, userId],
  );
  return row ? Number(row.owner_key) : undefined;
}

/**
 * Inserts samples, skipping any already stored (same UUID, or same type, source, start and
 * end). With `replace`, an existing sample's metadata is updated instead (activity summaries,
 * which grow during their day; unchanged ones are left alone). Returns the buckets that changed
 * and how many rows were new or updated.
 */
async function insertSamples(
  db: Db,
  devId: string,
  userId: string,
  rows: readonly AppleSampleRow[],
  options: { replace?: boolean } = {},
): Promise<{ buckets: Set<string>; inserted: number }> {
  if (rows.length === 0) return { buckets: new Set<string>(), inserted: 0 };
  // The changed buckets are recorded dirty in the samples' transaction (issue 10 item 10b).
  return db.transaction(async (tx) => {
    const result = await insertRows(tx, devId, userId, rows, options);
    await markDirty(tx, devId, userId, result.buckets);
    return result;
  });
}

async function insertRows(
  db: Db,
  devId: string,
  userId: string,
  rows: readonly AppleSampleRow[],
  options: { replace?: boolean },
): Promise<{ buckets: Set<string>; inserted: number }> {
  const buckets = new Set<string>();
  let inserted = 0;
  const owner = await ownerKey(db, devId, userId);
  for (let offset = 0; offset < rows.length; offset += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(offset, offset + ROWS_PER_STATEMENT);
    const params: unknown[] = [];
    for (const r of chunk) {
      params.push(
        owner,
        r.bucket,
        naturalKey(r),
        r.uuid,
        r.type,
        r.sourceName,
        r.startMs,
        r.endMs,
        r.offsetMin,
        r.value,
        r.textValue,
        r.priority,
        r.meta ? JSON.stringify(r.meta) : null,
      );
    }
    const returned = await db.all<{ bucket: string }>(insertStatement(chunk.length, options.replace === true), params);
    inserted += returned.length;
    for (const row of returned) buckets.add(row.bucket);
  }
  return { buckets, inserted };
}

/** Deletes samples by UUID; returns the deleted rows' bucket, type and text value. */
async function deleteSamples(
  db: Db,
  devId: string,
  userId: string,
  uuids: readonly string[],
): Promise<{ bucket: string; type: string; textValue: string | null }[]> {
  if (uuids.length === 0) return [];
  return db.transaction(async (tx) => {
    const deleted = await deleteRows(tx, devId, userId, uuids);
    await markDirty(tx, devId, userId, new Set(deleted.map((row) => row.bucket)));
    return deleted;
  });
}

async function deleteRows(
  db: Db,
  devId: string,
  userId: string,
  uuids: readonly string[],
): Promise<{ bucket: string; type: string; textValue: string | null }[]> {
  const owner = await existingOwnerKey(db, devId, userId);
  if (owner === undefined) return [];
  const out: { bucket: string; type: string; textValue: string | null }[] = [];
  for (let offset = 0; offset < uuids.length; offset += 500) {
    const chunk = uuids.slice(offset, offset + 500);
    const rows = await db.all<{ bucket: string; type: string; text_value: string | null }>(
      `DELETE FROM apple_samples WHERE owner_key = ? AND uuid IN (${chunk.map(() => '?').join(', ')}) RETURNING bucket, type, text_value`,
      [owner, ...chunk],
    );
    out.push(...rows.map((row) => ({ bucket: row.bucket, type: row.type, textValue: row.text_value })));
  }
  return out;
}

interface Row {
  uuid: string | null;
  type: string;
  source_name: string;
  start_ms: number | string;
  end_ms: number | string;
  offset_min: number;
  bucket: string;
  value: number | null;
  text_value: string | null;
  priority: number;
  meta: string | null;
}

/** Every stored sample of the given buckets. */
async function loadBuckets(
  db: Db,
  devId: string,
  userId: string,
  buckets: readonly string[],
): Promise<AppleSampleRow[]> {
  const owner = await existingOwnerKey(db, devId, userId);
  if (owner === undefined || buckets.length === 0) return [];
  const rows = await db.all<Row>(
    `SELECT uuid, type, source_name, start_ms, end_ms, offset_min, bucket, value, text_value, priority, meta FROM apple_samples
     WHERE owner_key = ? AND bucket IN (${buckets.map(() => '?').join(', ')})
     ORDER BY bucket, start_ms, end_ms, natural_key`,
    [owner, ...buckets],
  );
  return rows.map((row) => ({
    uuid: row.uuid,
    type: row.type,
    sourceName: row.source_name,
    startMs: Number(row.start_ms),
    endMs: Number(row.end_ms),
    offsetMin: Number(row.offset_min),
    bucket: row.bucket,
    value: row.value === null ? null : Number(row.value),
    textValue: row.text_value,
    priority: Number(row.priority),
    meta: row.meta ? (JSON.parse(row.meta) as Record<string, string | number>) : null,
  }));
}

/** Every distinct bucket of the user's samples, sorted. */
async function listBuckets(db: Db, devId: string, userId: string): Promise<string[]> {
  const owner = await existingOwnerKey(db, devId, userId);
  if (owner === undefined) return [];
  const rows = await db.all<{ bucket: string }>(
    'SELECT DISTINCT bucket FROM apple_samples WHERE owner_key = ? ORDER BY bucket',
    [owner],
  );
  return rows.map((row) => row.bucket);
}

async function countSamples(db: Db, devId: string, userId: string): Promise<number> {
  const owner = await existingOwnerKey(db, devId, userId);
  if (owner === undefined) return 0;
  const row = await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM apple_samples WHERE owner_key = ?', [
    owner,
  ]);
  return Number(row?.n ?? 0);
}

/** Buckets that are not recomputed into records (workout markers) are never dirty. */
const NOT_RECOMPUTED = new Set(['workout']);

/** Records `buckets` as changed and not yet recomputed; a new mark for each. */
async function markDirty(db: Db, devId: string, userId: string, buckets: ReadonlySet<string>): Promise<void> {
  const now = Date.now();
  const mark = randomBytes(8).toString('hex');
  const dirty = [...buckets].filter((b) => !NOT_RECOMPUTED.has(b)).sort();
  for (let offset = 0; offset < dirty.length; offset += 200) {
    const chunk = dirty.slice(offset, offset + 200);
    await db.run(
      `INSERT INTO apple_dirty_buckets (user_id, bucket, dev_id, mark, marked_ms) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (user_id, bucket) DO UPDATE SET mark = excluded.mark, marked_ms = excluded.marked_ms`,
      chunk.flatMap((bucket) => [userId, bucket, devId, mark, now]),
    );
  }
}

async function dirtyMarks(db: Db, devId: string, userId: string, buckets: readonly string[]): Promise<DirtyBucket[]> {
  if (buckets.length === 0) return [];
  const out: DirtyBucket[] = [];
  for (let offset = 0; offset < buckets.length; offset += 500) {
    const chunk = buckets.slice(offset, offset + 500);
    const rows = await db.all<{ bucket: string; mark: string; marked_ms: number | string }>(
      `SELECT bucket, mark, marked_ms FROM apple_dirty_buckets WHERE dev_id = ? AND user_id = ? AND bucket IN (${chunk.map(() => '?').join(', ')})`,
      [devId, userId, ...chunk],
    );
    out.push(
      ...rows.map((row) => ({ devId, userId, bucket: row.bucket, mark: row.mark, markedMs: Number(row.marked_ms) })),
    );
  }
  return out;
}

async function clearDirty(db: Db, devId: string, userId: string, marks: readonly DirtyBucket[]): Promise<void> {
  for (const { bucket, mark } of marks)
    await db.run('DELETE FROM apple_dirty_buckets WHERE dev_id = ? AND user_id = ? AND bucket = ? AND mark = ?', [
      devId,
      userId,
      bucket,
      mark,
    ]);
}

async function listDirty(db: Db, markedBeforeMs: number, limit: number): Promise<DirtyBucket[]> {
  const rows = await db.all<{
    dev_id: string;
    user_id: string;
    bucket: string;
    mark: string;
    marked_ms: number | string;
  }>(
    'SELECT dev_id, user_id, bucket, mark, marked_ms FROM apple_dirty_buckets WHERE marked_ms < ? ORDER BY marked_ms, user_id, bucket LIMIT ?',
    [markedBeforeMs, limit],
  );
  return rows.map((row) => ({
    devId: row.dev_id,
    userId: row.user_id,
    bucket: row.bucket,
    mark: row.mark,
    markedMs: Number(row.marked_ms),
  }));
}

/** Stores a single-use SDK token (its hash only). */
async function saveToken(db: Db, devId: string, token: string, expiresMs: number): Promise<void> {
  await db.run(
    'INSERT INTO apple_sdk_tokens (token_hash, dev_id, expires_ms, used_ms, created_at) VALUES (?, ?, ?, NULL, ?)',
    [hashApiKey(token), devId, expiresMs, new Date().toISOString()],
  );
}

/** Marks the token used, atomically: two concurrent exchanges of one token cannot both succeed. */
async function consumeToken(db: Db, token: string, now: number): Promise<SdkTokenCheck> {
  const hash = hashApiKey(token);
  const row = await db.get<{ dev_id: string; expires_ms: number | string; used_ms: number | string | null }>(
    'SELECT dev_id, expires_ms, used_ms FROM apple_sdk_tokens WHERE token_hash = ?',
    [hash],
  );
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.used_ms !== null) return { ok: false, reason: 'used' };
  if (Number(row.expires_ms) <= now) return { ok: false, reason: 'expired' };
  const { changes } = await db.run('UPDATE apple_sdk_tokens SET used_ms = ? WHERE token_hash = ? AND used_ms IS NULL', [
    now,
    hash,
  ]);
  return changes === 1 ? { ok: true, devId: row.dev_id } : { ok: false, reason: 'used' };
}

async function saveCredential(db: Db, devId: string, userId: string, secret: string): Promise<void> {
  await db.run('INSERT INTO apple_sdk_credentials (user_id, dev_id, secret_hash, created_at) VALUES (?, ?, ?, ?)', [
    userId,
    devId,
    hashApiKey(secret),
    new Date().toISOString(),
  ]);
}

/** The developer owning `userId` when `secret` is that user's SDK secret (constant-time compare). */
async function authenticateSdkUser(db: Db, userId: string, secret: string): Promise<string | undefined> {
  const row = await db.get<{ dev_id: string; secret_hash: string }>(
    'SELECT dev_id, secret_hash FROM apple_sdk_credentials WHERE user_id = ?',
    [userId],
  );
  if (!row) return undefined;
  return safeEqualHex(row.secret_hash, hashApiKey(secret)) ? row.dev_id : undefined;
}

/** The Apple sample table over `db`. */
export function appleSampleRepo(db: Db): AppleSampleRepo {
  return {
    insert: (devId, userId, rows, options) => insertSamples(db, devId, userId, rows, options),
    delete: (devId, userId, uuids) => deleteSamples(db, devId, userId, uuids),
    inBuckets: (devId, userId, buckets) => loadBuckets(db, devId, userId, buckets),
    count: (devId, userId) => countSamples(db, devId, userId),
    buckets: (devId, userId) => listBuckets(db, devId, userId),
    dirtyMarks: (devId, userId, buckets) => dirtyMarks(db, devId, userId, buckets),
    clearDirty: (devId, userId, marks) => clearDirty(db, devId, userId, marks),
    dirty: (markedBeforeMs, limit) => listDirty(db, markedBeforeMs, limit),
  };
}

/** SDK tokens and secrets over `db`. */
export function appleSdkRepo(db: Db): AppleSdkRepo {
  return {
    saveToken: (devId, token, expiresMs) => saveToken(db, devId, token, expiresMs),
    consumeToken: (token, now) => consumeToken(db, token, now),
    saveCredential: (devId, userId, secret) => saveCredential(db, devId, userId, secret),
    authenticate: (userId, secret) => authenticateSdkUser(db, userId, secret),
  };
}
