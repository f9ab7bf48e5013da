import { hashApiKey, safeEqualHex } from '../../core/crypto.ts';
import { newId, newSecret } from '../../core/ids.ts';
import type { ApiKey, ApiKeyRepo, DeveloperRepo } from '../store.ts';
import type { Db } from './db.ts';

interface Row {
  key_id: string;
  dev_id: string;
  name: string;
  key_hash: string;
  hint: string | null;
  created_at: string;
  rotated_at: string | null;
  last_used_at: string | null;
}

/** A key's last use is written at most this often, so that authenticating is not a write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const toKey = (row: Row): ApiKey => ({
  keyId: row.key_id,
  devId: row.dev_id,
  name: row.name,
  hint: row.hint,
  createdAt: row.created_at,
  rotatedAt: row.rotated_at,
  lastUsedAt: row.last_used_at,
});

const hintOf = (secret: string) => secret.slice(-4);

/**
 * Keys list in creation order, by `created_at`. A developer's default key and the next one are
 * often created within one millisecond, so this process never hands out the same instant twice.
 */
let lastCreatedMs = 0;
function creationTime(): string {
  lastCreatedMs = Math.max(Date.now(), lastCreatedMs + 1);
  return new Date(lastCreatedMs).toISOString();
}

export function apiKeyRepo(db: Db, developers: () => DeveloperRepo): ApiKeyRepo {
  const get = async (devId: string, keyId: string) => {
    const row = await db.get<Row>('SELECT * FROM api_keys WHERE dev_id = ? AND key_id = ?', [devId, keyId]);
    return row && toKey(row);
  };
  return {
    async create(devId, { name, secret }) {
      const value = secret ?? newSecret(32);
      const key: ApiKey = {
        keyId: newId('key'),
        devId,
        name,
        hint: hintOf(value),
        createdAt: creationTime(),
        rotatedAt: null,
        lastUsedAt: null,
      };
      await db.run(
        'INSERT INTO api_keys (key_id, dev_id, name, key_hash, hint, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        [key.keyId, devId, name, hashApiKey(value), key.hint, key.createdAt],
      );
      return { key, secret: value };
    },
    async list(devId) {
      return (await db.all<Row>('SELECT * FROM api_keys WHERE dev_id = ? ORDER BY created_at, key_id', [devId])).map(
        toKey,
      );
    },
    get,
    async rotate(devId, keyId) {
      const secret = newSecret(32);
      const rotatedAt = new Date().toISOString();
      const { changes } = await db.run(
        'UPDATE api_keys SET key_hash = ?, hint = ?, rotated_at = ? WHERE dev_id = ? AND key_id = ?',
        [hashApiKey(secret), hintOf(secret), rotatedAt, devId, keyId],
      );
      if (changes === 0) return undefined;
      const key = await get(devId, keyId);
      return key && { key, secret };
    },
    async revoke(devId, keyId) {
      return db.transaction(async (tx) => {
        // Two revocations at once must not both see "another key is left": PostgreSQL locks
        // the developer row; SQLite transactions are serialized already.
        if (tx.dialect === 'postgres')
          await tx.get('SELECT dev_id FROM developers WHERE dev_id = ? FOR UPDATE', [devId]);
        const keys = await tx.all<{ key_id: string }>('SELECT key_id FROM api_keys WHERE dev_id = ?', [devId]);
        if (!keys.some((k) => k.key_id === keyId)) return 'not_found';
        if (keys.length === 1) return 'last';
        await tx.run('DELETE FROM api_keys WHERE dev_id = ? AND key_id = ?', [devId, keyId]);
        return 'revoked';
      });
    },
    async authenticate(devId, secret, now = Date.now()) {
      const hash = hashApiKey(secret);
      // A developer holds a handful of keys: compare each hash in constant time.
      const rows = await db.all<Row>('SELECT * FROM api_keys WHERE dev_id = ?', [devId]);
      const row = rows.find((r) => safeEqualHex(r.key_hash, hash));
      if (!row) return undefined;
      const developer = await developers().get(devId);
      if (!developer) return undefined;
      const key = toKey(row);
      const last = key.lastUsedAt ? Date.parse(key.lastUsedAt) : Number.NEGATIVE_INFINITY;
      if (now - last >= LAST_USED_RESOLUTION_MS) {
        key.lastUsedAt = new Date(now).toISOString();
        await db.run('UPDATE api_keys SET last_used_at = ? WHERE key_id = ?', [key.lastUsedAt, key.keyId]);
      }
      return { developer, key };
    },
  };
}
