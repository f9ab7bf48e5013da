import { newId } from '../../core/ids.ts';
import type { LeaseRepo, ProviderNotification, ProviderNotificationRepo } from '../store.ts';
import type { Db } from './db.ts';

interface NotificationRow {
  notification_id: string;
  provider: string;
  dedupe_key: string;
  content_type: string;
  headers: string;
  body: Buffer | Uint8Array;
  status: ProviderNotification['status'];
  attempts: number | string;
  error: string | null;
  received_at: string;
  processed_at: string | null;
}

const toNotification = (row: NotificationRow): ProviderNotification => ({
  notificationId: row.notification_id,
  provider: row.provider,
  dedupeKey: row.dedupe_key,
  contentType: row.content_type,
  headers: JSON.parse(row.headers) as Record<string, string>,
  body: Buffer.from(row.body),
  status: row.status,
  attempts: Number(row.attempts),
  error: row.error,
  receivedAt: row.received_at,
  processedAt: row.processed_at,
});

export function providerNotificationRepo(db: Db): ProviderNotificationRepo {
  return {
    async insert(input) {
      const notificationId = newId('pnt');
      const now = Date.now();
      const { changes } = await db.run(
        `INSERT INTO provider_notifications (notification_id, provider, dedupe_key, content_type, headers, body, status, attempts, received_at, received_ms)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (provider, dedupe_key) DO NOTHING`,
        [
          notificationId,
          input.provider,
          input.dedupeKey,
          input.contentType,
          JSON.stringify(input.headers),
          input.body,
          new Date(now).toISOString(),
          now,
        ],
      );
      if (changes === 1) return { notificationId, inserted: true };
      const existing = await db.get<{ notification_id: string }>(
        'SELECT notification_id FROM provider_notifications WHERE provider = ? AND dedupe_key = ?',
        [input.provider, input.dedupeKey],
      );
      return { notificationId: existing!.notification_id, inserted: false };
    },
    async get(notificationId) {
      const row = await db.get<NotificationRow>('SELECT * FROM provider_notifications WHERE notification_id = ?', [
        notificationId,
      ]);
      return row && toNotification(row);
    },
    async finish(notificationId, outcome) {
      await db.run(
        `UPDATE provider_notifications SET status = ?, error = ?, attempts = attempts + 1, processed_at = ? WHERE notification_id = ?`,
        [
          outcome.status,
          outcome.error ?? null,
          outcome.status === 'pending' ? null : new Date().toISOString(),
          notificationId,
        ],
      );
    },
    async pending(beforeMs, limit) {
      const rows = await db.all<NotificationRow>(
        `SELECT * FROM provider_notifications WHERE status = 'pending' AND received_ms < ? ORDER BY received_ms LIMIT ?`,
        [beforeMs, limit],
      );
      return rows.map(toNotification);
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.provider) {
        where.push('provider = ?');
        params.push(filter.provider);
      }
      if (filter.status) {
        where.push('status = ?');
        params.push(filter.status);
      }
      const rows = await db.all<NotificationRow>(
        `SELECT * FROM provider_notifications${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY received_ms, notification_id LIMIT ?`,
        [...params, filter.limit ?? 100],
      );
      return rows.map(toNotification);
    },
    async recipients(provider, providerUserId) {
      return db.all<{ devId: string; userId: string }>(
        `SELECT u.dev_id AS "devId", u.user_id AS "userId" FROM users u JOIN connections c ON c.user_id = u.user_id
         WHERE u.provider = ? AND u.provider_user_id = ? ORDER BY u.created_seq`,
        [provider, providerUserId],
      );
    },
  };
}

export function leaseRepo(db: Db): LeaseRepo {
  return {
    async acquire(name, holder, ttlMs, now = Date.now()) {
      const { changes } = await db.run(
        `INSERT INTO leases (name, holder, until_ms) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
         WHERE leases.until_ms <= ? OR leases.holder = excluded.holder`,
        [name, holder, now + ttlMs, now],
      );
      return changes === 1;
    },
    async release(name, holder) {
      await db.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder]);
    },
  };
}
