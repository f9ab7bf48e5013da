import type { ConnectionHealthRepo, ConnectionStatus } from '../store.ts';
import type { Db } from './db.ts';
import { toUser, type UserRow } from './users.ts';

interface Row extends UserRow {
  connection_status: ConnectionStatus | null;
  sync_state: string | null;
  connection_updated_at: string | null;
  notice_reason: string | null;
  notified_at: string | null;
}

/** Users joined with their connection's sync state (never its sealed credentials) and stale notice. */
export function connectionHealthRepo(db: Db): ConnectionHealthRepo {
  return {
    async list(devId, filter = {}) {
      const where = ['u.dev_id = ?'];
      const params: unknown[] = [devId];
      if (filter.userId !== undefined) {
        where.push('u.user_id = ?');
        params.push(filter.userId);
      }
      if (filter.query) {
        // A user id matches exactly; a reference id by any part of it, ignoring case (LIKE wildcards escaped).
        where.push("(u.user_id = ? OR LOWER(u.reference_id) LIKE ? ESCAPE '\\')");
        params.push(filter.query, `%${filter.query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      }
      if (filter.provider) {
        where.push('u.provider = ?');
        params.push(filter.provider);
      }
      if (filter.state) {
        where.push('u.state = ?');
        params.push(filter.state);
      }
      const rows = await db.all<Row>(
        `SELECT u.*, c.status AS connection_status, c.sync_state, c.updated_at AS connection_updated_at,
                n.reason AS notice_reason, n.notified_at
           FROM users u
           LEFT JOIN connections c ON c.user_id = u.user_id AND c.dev_id = u.dev_id
           LEFT JOIN connection_stale_notices n ON n.user_id = u.user_id AND n.dev_id = u.dev_id
          WHERE ${where.join(' AND ')}
          ORDER BY u.created_seq`,
        params,
      );
      return rows.map((row) => ({
        user: toUser(row),
        connection:
          row.connection_status === null
            ? null
            : {
                status: row.connection_status,
                syncState: JSON.parse(row.sync_state ?? '{}') as Record<string, unknown>,
                updatedAt: row.connection_updated_at ?? row.created_at,
              },
        staleNotice:
          row.notice_reason === null ? null : { reason: row.notice_reason, notifiedAt: row.notified_at ?? '' },
      }));
    },
    async claimStaleNotice(devId, userId, notice) {
      const { changes } = await db.run(
        `INSERT INTO connection_stale_notices (user_id, dev_id, reason, notified_at)
         SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM users WHERE dev_id = ? AND user_id = ?)
         ON CONFLICT (user_id) DO NOTHING`,
        [userId, devId, notice.reason, notice.notifiedAt, devId, userId],
      );
      return changes === 1;
    },
    async clearStaleNotice(devId, userId) {
      await db.run('DELETE FROM connection_stale_notices WHERE dev_id = ? AND user_id = ?', [devId, userId]);
    },
  };
}
