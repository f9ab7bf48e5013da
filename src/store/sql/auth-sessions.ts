import type { AuthSession, AuthSessionKind, AuthSessionRepo } from '../store.ts';
import type { Db } from './db.ts';

interface Row {
  session_id: string;
  kind: AuthSessionKind;
  dev_id: string;
  user_id: string | null;
  provider: string | null;
  providers: string | null;
  reference_id: string | null;
  success_url: string | null;
  failure_url: string | null;
  language: string | null;
  widget_session_id: string | null;
  expires_ms: number | string;
  used_ms: number | string | null;
}

const toSession = (row: Row): AuthSession => ({
  sessionId: row.session_id,
  kind: row.kind,
  devId: row.dev_id,
  userId: row.user_id,
  provider: row.provider,
  providers: row.providers === null ? null : row.providers.split(',').filter(Boolean),
  referenceId: row.reference_id,
  successUrl: row.success_url,
  failureUrl: row.failure_url,
  language: row.language,
  widgetSessionId: row.widget_session_id,
  expiresMs: Number(row.expires_ms),
  usedMs: row.used_ms === null ? null : Number(row.used_ms),
});

export function authSessionRepo(db: Db): AuthSessionRepo {
  return {
    async create(session, secretHash, createdAt) {
      await db.run(
        `INSERT INTO auth_sessions (token_hash, session_id, kind, dev_id, user_id, provider, providers, reference_id, success_url, failure_url, language, widget_session_id, expires_ms, used_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
        [
          secretHash,
          session.sessionId,
          session.kind,
          session.devId,
          session.userId,
          session.provider,
          session.providers?.join(',') ?? null,
          session.referenceId,
          session.successUrl,
          session.failureUrl,
          session.language,
          session.widgetSessionId,
          session.expiresMs,
          createdAt,
        ],
      );
    },

    async bySecretHash(secretHash) {
      const row = await db.get<Row>('SELECT * FROM auth_sessions WHERE token_hash = ?', [secretHash]);
      return row && toSession(row);
    },

    async markUsed(secretHash, now) {
      const { changes } = await db.run(
        'UPDATE auth_sessions SET used_ms = ? WHERE token_hash = ? AND used_ms IS NULL',
        [now, secretHash],
      );
      return changes === 1;
    },

    async abandonedLogins(cutoffMs) {
      const rows = await db.all<{
        dev_id: string;
        user_id: string;
        session_id: string;
        widget_session_id: string | null;
      }>(
        `SELECT s.dev_id, s.user_id, s.session_id, s.widget_session_id FROM auth_sessions s JOIN users u ON u.dev_id = s.dev_id AND u.user_id = s.user_id
         WHERE s.kind = 'login' AND s.used_ms IS NULL AND s.expires_ms < ? AND u.state = 'pending'`,
        [cutoffMs],
      );
      return rows.map((row) => ({
        devId: row.dev_id,
        userId: row.user_id,
        sessionId: row.session_id,
        widgetSessionId: row.widget_session_id,
      }));
    },

    async deleteExpiredBefore(cutoffMs) {
      await db.run('DELETE FROM auth_sessions WHERE expires_ms < ?', [cutoffMs]);
    },

    async recordFailedLogin(secretHash) {
      await db.run('UPDATE auth_sessions SET failed_logins = failed_logins + 1 WHERE token_hash = ?', [secretHash]);
      const row = await db.get<{ dev_id: string; user_id: string | null }>(
        'SELECT dev_id, user_id FROM auth_sessions WHERE token_hash = ?',
        [secretHash],
      );
      return row?.user_id ? this.failedLogins(row.dev_id, row.user_id) : 0;
    },

    async failedLogins(devId, userId) {
      const row = await db.get<{ n: number | string | null }>(
        "SELECT SUM(failed_logins) AS n FROM auth_sessions WHERE dev_id = ? AND user_id = ? AND kind = 'login'",
        [devId, userId],
      );
      return Number(row?.n ?? 0);
    },

    async spendLogins(devId, userId, now) {
      await db.run(
        "UPDATE auth_sessions SET used_ms = ? WHERE dev_id = ? AND user_id = ? AND kind = 'login' AND used_ms IS NULL",
        [now, devId, userId],
      );
    },

    async widgetChoice(widgetSessionId, provider) {
      const row = await db.get<{ dev_id: string; user_id: string }>(
        'SELECT dev_id, user_id FROM widget_choices WHERE widget_session_id = ? AND provider = ?',
        [widgetSessionId, provider],
      );
      return row && { devId: row.dev_id, userId: row.user_id };
    },

    async recordWidgetChoice(choice) {
      const { changes } = await db.run(
        `INSERT INTO widget_choices (widget_session_id, provider, dev_id, user_id, created_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (widget_session_id, provider) DO NOTHING`,
        [choice.widgetSessionId, choice.provider, choice.devId, choice.userId, choice.now],
      );
      return changes === 1;
    },
  };
}
