import { monotonicMicros } from '../../core/clock.ts';
import { newUserId } from '../../core/ids.ts';
import type { User, UserRepo } from '../store.ts';
import type { Db } from './db.ts';

export interface UserRow {
  user_id: string;
  dev_id: string;
  provider: string;
  reference_id: string | null;
  provider_user_id: string | null;
  state: User['state'];
  active: number;
  scopes: string | null;
  last_webhook_update: string | null;
  created_at: string;
}

export const toUser = (row: UserRow): User => ({
  userId: row.user_id,
  devId: row.dev_id,
  provider: row.provider,
  referenceId: row.reference_id,
  providerUserId: row.provider_user_id,
  state: row.state,
  active: Number(row.active) === 1,
  scopes: row.scopes,
  lastWebhookUpdate: row.last_webhook_update,
  createdAt: row.created_at,
});

const COLUMNS: Record<string, string> = {
  referenceId: 'reference_id',
  active: 'active',
  state: 'state',
  providerUserId: 'provider_user_id',
  scopes: 'scopes',
  lastWebhookUpdate: 'last_webhook_update',
};

export function userRepo(db: Db): UserRepo {
  return {
    async create(devId, input) {
      const now = new Date().toISOString();
      const user: User = {
        userId: input.userId ?? newUserId(),
        devId,
        provider: input.provider,
        referenceId: input.referenceId ?? null,
        providerUserId: input.providerUserId ?? null,
        state: input.state ?? 'pending',
        active: true,
        scopes: input.scopes ?? null,
        lastWebhookUpdate: null,
        createdAt: now,
      };
      await db.run(
        `INSERT INTO users (user_id, dev_id, provider, reference_id, provider_user_id, state, active, scopes, last_webhook_update, created_at, created_seq, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 1, ?, NULL, ?, ?, ?)`,
        [
          user.userId,
          devId,
          user.provider,
          user.referenceId,
          user.providerUserId,
          user.state,
          user.scopes,
          now,
          monotonicMicros(),
          now,
        ],
      );
      return user;
    },
    async get(devId, userId) {
      const row = await db.get<UserRow>('SELECT * FROM users WHERE dev_id = ? AND user_id = ?', [devId, userId]);
      return row && toUser(row);
    },
    async byReferenceId(devId, referenceId) {
      return (
        await db.all<UserRow>('SELECT * FROM users WHERE dev_id = ? AND reference_id = ? ORDER BY created_seq', [
          devId,
          referenceId,
        ])
      ).map(toUser);
    },
    async byProviderAccount(devId, provider, providerUserId) {
      return (
        await db.all<UserRow>(
          'SELECT * FROM users WHERE dev_id = ? AND provider = ? AND provider_user_id = ? ORDER BY created_seq',
          [devId, provider, providerUserId],
        )
      ).map(toUser);
    },
    async list(devId, page) {
      const total = Number(
        (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE dev_id = ?', [devId]))?.n ?? 0,
      );
      const rows = page
        ? await db.all<UserRow>('SELECT * FROM users WHERE dev_id = ? ORDER BY created_seq LIMIT ? OFFSET ?', [
            devId,
            page.perPage,
            page.page * page.perPage,
          ])
        : await db.all<UserRow>('SELECT * FROM users WHERE dev_id = ? ORDER BY created_seq', [devId]);
      return { users: rows.map(toUser), total };
    },
    async update(devId, userId, patch) {
      const sets: string[] = [];
      const params: unknown[] = [];
      for (const [key, value] of Object.entries(patch)) {
        const column = COLUMNS[key];
        if (!column || value === undefined) continue;
        sets.push(`${column} = ?`);
        params.push(key === 'active' ? (value ? 1 : 0) : value);
      }
      sets.push('updated_at = ?');
      params.push(new Date().toISOString(), devId, userId);
      await db.run(`UPDATE users SET ${sets.join(', ')} WHERE dev_id = ? AND user_id = ?`, params);
      return this.get(devId, userId);
    },
    async delete(devId, userId) {
      return db.transaction(async (tx) => {
        const { changes } = await tx.run('DELETE FROM users WHERE dev_id = ? AND user_id = ?', [devId, userId]);
        if (changes === 0) return false;
        await tx.run('DELETE FROM connections WHERE dev_id = ? AND user_id = ?', [devId, userId]);
        // Their events go too (issue 10 item 5), with every delivery, attempt and chunk index of
        // them: nothing pending can send the data again, no link can serve it, no redelivery exists.
        const events = 'SELECT event_id FROM events WHERE dev_id = ? AND user_id = ?';
        await tx.run(
          `DELETE FROM delivery_attempts WHERE dev_id = ? AND delivery_id IN (SELECT delivery_id FROM deliveries WHERE dev_id = ? AND event_id IN (${events}))`,
          [devId, devId, devId, userId],
        );
        await tx.run(`DELETE FROM deliveries WHERE dev_id = ? AND event_id IN (${events})`, [devId, devId, userId]);
        await tx.run(`DELETE FROM event_chunks WHERE dev_id = ? AND event_id IN (${events})`, [devId, devId, userId]);
        await tx.run('DELETE FROM events WHERE dev_id = ? AND user_id = ?', [devId, userId]);
        await tx.run('DELETE FROM data_requests WHERE dev_id = ? AND user_id = ?', [devId, userId]);
        // A widget's choice of a deleted user is forgotten: choosing again records the new user.
        await tx.run('DELETE FROM widget_choices WHERE dev_id = ? AND user_id = ?', [devId, userId]);
        await tx.run('DELETE FROM records WHERE dev_id = ? AND user_id = ?', [devId, userId]);
        await tx.run('DELETE FROM raw_records WHERE dev_id = ? AND user_id = ?', [devId, userId]);
        // Grants to a deleted user's data end with it; the audit log of past calls stays.
        await tx.run('DELETE FROM mcp_grants WHERE dev_id = ? AND user_id = ?', [devId, userId]);
        await tx.run('DELETE FROM connection_stale_notices WHERE dev_id = ? AND user_id = ?', [devId, userId]);
        return true;
      });
    },
  };
}
