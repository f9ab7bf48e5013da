import { sha256Hex } from '../core/crypto.ts';
import { newId, newSecret } from '../core/ids.ts';
import { authErrorEvent } from '../delivery/terra-events.ts';
import type { AuthSession, Store } from '../store/index.ts';

export type { AuthSession, AuthSessionKind } from '../store/index.ts';

export type NewAuthSession = Omit<AuthSession, 'sessionId' | 'usedMs' | 'expiresMs'> & { ttlMs: number };

/**
 * Hosted-flow sessions (`store.authSessions`): a `login` link for one pending user and
 * provider, or a `widget` session listing providers. The URL carries a random secret; only
 * its SHA-256 is stored.
 */
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
    await store.authSessions.create(session, sha256Hex(secret), new Date(now).toISOString());
    return { session, secret };
  },

  async bySecret(store: Store, secret: string): Promise<AuthSession | undefined> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(secret)) return undefined;
    return store.authSessions.bySecretHash(sha256Hex(secret));
  },

  /** Marks the link used; false when it was already used (a concurrent submit won). */
  async consume(store: Store, secret: string, now = Date.now()): Promise<boolean> {
    return store.authSessions.markUsed(sha256Hex(secret), now);
  },

  /**
   * Housekeeping: a user whose login link expired unused more than a day ago never
   * connected. Like Terra with a failed connection, the half-created user is deleted and an
   * `auth` error event (reason `expired`) says so. Returns the number of such users.
   */
  async purgeExpired(store: Store, now = Date.now()): Promise<number> {
    const cutoff = now - 86_400_000;
    const abandoned = await store.authSessions.abandonedLogins(cutoff);
    for (const row of abandoned) {
      await store.transaction(async (tx) => {
        const user = await tx.users.get(row.devId, row.userId);
        if (!user || user.state !== 'pending') return;
        const message = 'The user did not finish connecting before the login link expired';
        // Deleted first: deleting a user deletes its events, and this notice must remain.
        await tx.users.delete(row.devId, row.userId);
        await tx.events.insert(row.devId, {
          type: 'auth',
          userId: user.userId,
          payload: authErrorEvent(user, {
            reason: 'expired',
            message,
            widgetSessionId: row.widgetSessionId ?? row.sessionId,
          }),
        });
      });
    }
    await store.authSessions.deleteExpiredBefore(cutoff);
    return abandoned.length;
  },
};
