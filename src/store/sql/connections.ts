import type { SecretBox } from '../../core/crypto.ts';
import { TributaryError } from '../../core/errors.ts';
import type { Connection, ConnectionRepo } from '../store.ts';
import type { Db } from './db.ts';

interface Row {
  user_id: string;
  dev_id: string;
  provider: string;
  credentials_sealed: string | null;
  status: Connection['status'];
  sync_state: string;
  next_sync_at: number | null;
  updated_at: string;
}

/** Provider tokens never touch the database in clear: they are sealed with AES-256-GCM here. */
export function connectionRepo(db: Db, box: SecretBox): ConnectionRepo {
  const toConnection = (row: Row): Connection => ({
    userId: row.user_id,
    devId: row.dev_id,
    provider: row.provider,
    credentials: row.credentials_sealed === null ? null : box.openJson(row.credentials_sealed),
    status: row.status,
    syncState: JSON.parse(row.sync_state) as Record<string, unknown>,
    nextSyncAt: row.next_sync_at === null ? null : Number(row.next_sync_at),
    updatedAt: row.updated_at,
  });
  const seal = (credentials: unknown) =>
    credentials === null || credentials === undefined ? null : box.sealJson(credentials);

  return {
    async save(devId, input) {
      // Only the developer's own user: a user id of another developer is refused, never overwritten.
      const { changes } = await db.run(
        `INSERT INTO connections (user_id, dev_id, provider, credentials_sealed, status, sync_state, next_sync_at, lease_until, updated_at)
         SELECT ?, ?, ?, ?, ?, ?, ?, NULL, ? WHERE EXISTS (SELECT 1 FROM users WHERE dev_id = ? AND user_id = ?)
         ON CONFLICT (user_id) DO UPDATE SET provider = excluded.provider, credentials_sealed = excluded.credentials_sealed,
           status = excluded.status, sync_state = excluded.sync_state, next_sync_at = excluded.next_sync_at, updated_at = excluded.updated_at
           WHERE connections.dev_id = excluded.dev_id`,
        [
          input.userId,
          devId,
          input.provider,
          seal(input.credentials),
          input.status ?? 'active',
          JSON.stringify(input.syncState ?? {}),
          input.nextSyncAt ?? null,
          new Date().toISOString(),
          devId,
          input.userId,
        ],
      );
      if (changes === 0) throw new TributaryError('not_found', `user ${input.userId} not found`);
    },
    async get<C, S extends Record<string, unknown>>(devId: string, userId: string) {
      const row = await db.get<Row>('SELECT * FROM connections WHERE dev_id = ? AND user_id = ?', [devId, userId]);
      return row && (toConnection(row) as Connection<C, S>);
    },
    async update(devId, userId, patch) {
      const sets: string[] = [];
      const params: unknown[] = [];
      if (patch.credentials !== undefined) {
        sets.push('credentials_sealed = ?');
        params.push(seal(patch.credentials));
      }
      if (patch.status !== undefined) {
        sets.push('status = ?');
        params.push(patch.status);
      }
      if (patch.syncState !== undefined) {
        sets.push('sync_state = ?');
        params.push(JSON.stringify(patch.syncState));
      }
      if (patch.nextSyncAt !== undefined) {
        sets.push('next_sync_at = ?');
        params.push(patch.nextSyncAt);
      }
      sets.push('updated_at = ?');
      params.push(new Date().toISOString(), devId, userId);
      await db.run(`UPDATE connections SET ${sets.join(', ')} WHERE dev_id = ? AND user_id = ?`, params);
    },
    async claimDue(now, limit, leaseMs) {
      return db.transaction(async (tx) => {
        const lock = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
        const rows = await tx.all<Row>(
          `SELECT * FROM connections WHERE status = 'active' AND next_sync_at IS NOT NULL AND next_sync_at <= ?
             AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_sync_at LIMIT ?${lock}`,
          [now, now, limit],
        );
        for (const row of rows)
          await tx.run('UPDATE connections SET lease_until = ? WHERE user_id = ?', [now + leaseMs, row.user_id]);
        return rows.map(toConnection);
      });
    },
    async renewLease(devId, userId, heldUntil, until) {
      const { changes } = await db.run(
        'UPDATE connections SET lease_until = ? WHERE dev_id = ? AND user_id = ? AND lease_until = ?',
        [until, devId, userId, heldUntil],
      );
      return changes === 1;
    },
    async release(devId, userId) {
      await db.run('UPDATE connections SET lease_until = NULL WHERE dev_id = ? AND user_id = ?', [devId, userId]);
    },
    async delete(devId, userId) {
      await db.run('DELETE FROM connections WHERE dev_id = ? AND user_id = ?', [devId, userId]);
    },
  };
}
