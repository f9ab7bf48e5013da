import { sha256Hex } from '../core/crypto.ts';
import { newId, newSecret } from '../core/ids.ts';
import { authErrorEvent } from '../delivery/terra-events.ts';
import { dbOf, type Store } from '../store/index.ts';

/**
 * Hosted-flow sessions (table `auth_sessions`, migration 0010): a `login` link for one
 * pending user and provider, or a `widget` session listing providers. The URL carries a
 * random secret; only its SHA-256 is stored. Every query takes the developer id or the
 * secret's hash (which already belongs to one developer).
 */
export type AuthSessionKind = 'login' | 'widget';

export interface AuthSession {
  /** Public id: Terra's `widget_session_id` / `session_id`. */
  sessionId: string;
  kind: AuthSessionKind;
  devId: string;
  userId: string | null;
  provider: string | null;
  /** Widget: the providers to offer (null = every enabled one). */
  providers: string[] | null;
  referenceId: string | null;
  successUrl: string | null;
  failureUrl: string | null;
  language: string | null;
  /** Login links opened from a widget carry its session id into the auth event. */
  widgetSessionId: string | null;
  expiresMs: number;
  usedMs: number | null;
}

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

export type NewAuthSession = Omit<AuthSession, 'sessionId' | 'usedMs' | 'expiresMs'> & { ttlMs: number };

export const authSessions = {
  /** Creates a session; returns it with the secret for its URL (shown once, never stored). */
  async create(
    store: Store,
    input: NewAuthSession,
    now = Date.now(),
  ): Promise<{ session: AuthSession; secret: string }> {
    const secret = newSecret(24);
    const session: AuthSession = {
      ...input,
      sessionId: newId(input.kind === 'widget' ? 'wgt' : 'lgn'),
      expiresMs: now + input.ttlMs,
      usedMs: null,
    };
    await dbOf(store).run(
      `INSERT INTO auth_sessions (token_hash, session_id, kind, dev_id, user_id, provider, providers, reference_id, success_url, failure_url, language, widget_session_id, expires_ms, used_ms, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
      [
        sha256Hex(secret),
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
        new Date(now).toISOString(),
      ],
    );
    return { session, secret };
  },

  async bySecret(store: Store, secret: string): Promise<AuthSession | undefined> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(secret)) return undefined;
    const row = await dbOf(store).get<Row>('SELECT * FROM auth_sessions WHERE token_hash = ?', [sha256Hex(secret)]);
    return row && toSession(row);
  },

  /** Marks the link used; false when it was already used (a concurrent submit won). */
  async consume(store: Store, secret: string, now = Date.now()): Promise<boolean> {
    const { changes } = await dbOf(store).run(
      'UPDATE auth_sessions SET used_ms = ? WHERE token_hash = ? AND used_ms IS NULL',
      [now, sha256Hex(secret)],
    );
    return changes === 1;
  },

  /**
   * Housekeeping: a user whose login link expired unused more than a day ago never
   * connected. Like Terra with a failed connection, the half-created user is deleted and an
   * `auth` error event (reason `expired`) says so. Returns the number of such users.
   */
  async purgeExpired(store: Store, now = Date.now()): Promise<number> {
    const cutoff = now - 86_400_000;
    const abandoned = await dbOf(store).all<{
      dev_id: string;
      user_id: string;
      session_id: string;
      widget_session_id: string | null;
    }>(
      `SELECT s.dev_id, s.user_id, s.session_id, s.widget_session_id FROM auth_sessions s JOIN users u ON u.dev_id = s.dev_id AND u.user_id = s.user_id
       WHERE s.kind = 'login' AND s.used_ms IS NULL AND s.expires_ms < ? AND u.state = 'pending'`,
      [cutoff],
    );
    for (const row of abandoned) {
      await store.transaction(async (tx) => {
        const user = await tx.users.get(row.dev_id, row.user_id);
        if (!user || user.state !== 'pending') return;
        const message = 'The user did not finish connecting before the login link expired';
        await tx.events.insert(row.dev_id, {
          type: 'auth',
          userId: user.userId,
          payload: authErrorEvent(user, {
            reason: 'expired',
            message,
            widgetSessionId: row.widget_session_id ?? row.session_id,
          }),
        });
        await tx.users.delete(row.dev_id, row.user_id);
      });
    }
    await dbOf(store).run('DELETE FROM auth_sessions WHERE expires_ms < ?', [cutoff]);
    return abandoned.length;
  },
};
