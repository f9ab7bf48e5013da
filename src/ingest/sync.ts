import { isTributaryError, TributaryError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics, SyncOutcome } from '../core/metrics.ts';
import type { Signal } from '../core/signal.ts';
import { connectionErrorEvent, rateLimitHitEvent } from '../delivery/terra-events.ts';
import type { DataType } from '../model/data-types.ts';
import type { ConfiguredProvider, PolledItem } from '../providers/provider.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { BudgetLane, Connection, Store, User } from '../store/store.ts';
import { storeRecords } from './store-records.ts';
import { isAccessRejected, isGrantRevoked, TokenKeeper } from './token-keeper.ts';
import { isOwnPacing, ProviderBudgets } from './provider-budget.ts';

const DAY_MS = 86_400_000;
/**
 * Each poll looks this far behind its cursor: a console that synced late reports a workout
 * that started before the newest one seen. Logs already stored are skipped, not refetched.
 */
export const POLL_OVERLAP_MS = 2 * DAY_MS;
/** The sync lease: renewed every 10 s while a sync runs, free 30 s after its worker died. */
export const SYNC_LEASE_MS = 30_000;

/** What ingest keeps in `connections.sync_state` for a polled provider. */
export interface PollState extends Record<string, unknown> {
  /** Items that started after this instant (epoch ms) are fetched by the next poll. */
  cursorMs: number;
  /** Everything that started after this instant has been fetched (backfill/history floor). */
  syncedFromMs: number;
  lastSyncAt?: string;
  /** Consecutive failed polls (transient errors), for backoff. */
  failures?: number;
  lastError?: string;
  /** When the last failed poll happened (connection health). */
  lastErrorAt?: string;
  /** Backfill-by-request providers: how far back the new connection's history is asked for. */
  backfillFromMs?: number;
}

/** The sync bookkeeping of a new connection: backfill `backfillDays`, starting now. */
export function initialSync(
  provider: ConfiguredProvider,
  now = Date.now(),
): { syncState: PollState; nextSyncAt: number | null } {
  if (provider.backfill && !provider.polling)
    // Asked for at once; `syncedFromMs` moves back once the provider accepted the request.
    return {
      syncState: { cursorMs: now, syncedFromMs: now, backfillFromMs: now - provider.backfill.backfillDays * DAY_MS },
      nextSyncAt: now,
    };
  if (!provider.polling) return { syncState: { cursorMs: now, syncedFromMs: now }, nextSyncAt: null };
  const from = now - provider.polling.backfillDays * DAY_MS;
  return { syncState: { cursorMs: from, syncedFromMs: from }, nextSyncAt: now };
}

export interface SyncServiceOptions {
  store: Store;
  providers: ProviderRegistry;
  logger: Logger;
  eventsCommitted: Signal;
  /** Poll outcomes per provider for `GET /metrics`. */
  metrics?: Metrics;
  /**
   * How long a claimed connection stays leased to this worker without a renewal. Short, and
   * renewed every third of it while the sync runs: a worker killed mid-backfill holds it for
   * at most this long (issue 10 item 10a).
   */
  leaseMs?: number;
  /** Connections claimed per tick. */
  batchSize?: number;
}

/**
 * Polling, backfill and historical pulls for `poll` providers. Each connection is synced
 * by one caller at a time in this process (and one worker at a time across processes,
 * through the store's lease); each item goes raw → normalized → event via `storeRecords`.
 */
export class SyncService {
  readonly tokens: TokenKeeper;
  /** The provider applications' request budgets (shared by every process through the store). */
  readonly budgets: ProviderBudgets;
  readonly #options: Required<Omit<SyncServiceOptions, 'metrics'>> & Pick<SyncServiceOptions, 'metrics'>;
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #running = new Map<string, AbortController>();

  constructor(options: SyncServiceOptions) {
    this.#options = { leaseMs: SYNC_LEASE_MS, batchSize: 10, ...options };
    this.budgets = new ProviderBudgets(options.store);
    this.tokens = new TokenKeeper(options.store, { budgets: this.budgets });
  }

  /** Polls every connection whose next sync is due; returns how many were synced. */
  async runDue(now = Date.now()): Promise<number> {
    const { store, batchSize, leaseMs } = this.#options;
    const due = await store.connections.claimDue(now, batchSize, leaseMs);
    await Promise.all(
      due.map(async (connection) => {
        const lease = this.#keepLease(connection, now + leaseMs);
        try {
          await this.#exclusive(connection, async () => {
            // Another caller in this process may have synced it while we waited for the lock.
            const current = await store.connections.get(connection.devId, connection.userId);
            if (current?.nextSyncAt !== null && current?.nextSyncAt !== undefined && current.nextSyncAt <= now)
              await this.#poll(connection.devId, connection.userId);
          });
        } finally {
          if (lease.end()) await store.connections.release(connection.devId, connection.userId);
        }
      }),
    );
    return due.length;
  }

  /**
   * Renews a claimed connection's lease every third of its length while its sync runs. When a
   * renewal finds the lease gone (this worker stalled past it and another took over), the sync
   * here stops at its next provider call. `end()` stops renewing; true while the lease was kept.
   */
  #keepLease(connection: Pick<Connection, 'devId' | 'userId'>, heldUntil: number): { end(): boolean } {
    const { store, leaseMs, logger } = this.#options;
    let held = heldUntil;
    let kept = true;
    let ended = false;
    let renewing: Promise<void> | undefined;
    const timer = setInterval(
      () => {
        if (renewing || ended) return;
        const until = Date.now() + leaseMs;
        renewing = store.connections
          .renewLease(connection.devId, connection.userId, held, until)
          .then((renewed) => {
            if (renewed) held = until;
            else if (kept && !ended) {
              kept = false;
              logger.warn('sync lease lost to another worker; stopping this sync', {
                devId: connection.devId,
                userId: connection.userId,
              });
              this.#running
                .get(`${connection.devId}\u0000${connection.userId}`)
                ?.abort(new TributaryError('not_found', 'sync lease lost'));
            }
          })
          .catch((error: unknown) => logger.warn('renewing a sync lease failed', { error }))
          .finally(() => (renewing = undefined));
      },
      Math.max(1000, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    return {
      end() {
        ended = true;
        clearInterval(timer);
        return kept;
      },
    };
  }

  /** Polls one connection now (tests, the demo, a manual refresh). */
  async syncNow(devId: string, userId: string): Promise<void> {
    const connection = await this.#options.store.connections.get(devId, userId);
    if (!connection) throw new TributaryError('not_found', `user ${userId} has no connection`);
    await this.#exclusive(connection, () => this.#poll(devId, userId));
  }

  /** Fetches a period older than what was synced before a read answers (`ApiContext.history`). */
  async ensureSynced(user: User, type: DataType, range: { startMs: number; endMs: number }): Promise<void> {
    const provider = this.#options.providers.get(user.provider);
    if (provider?.backfill && !provider.polling && provider.capabilities.dataTypes.includes(type)) {
      const connection = await this.#options.store.connections.get<unknown, PollState>(user.devId, user.userId);
      if (!connection || connection.status !== 'active' || !user.active) return;
      if (range.startMs >= connection.syncState.syncedFromMs) return;
      // Asked for now, pushed later: the read answers what is stored, the rest arrives as events.
      const floor =
        provider.capabilities.historyDays === null
          ? range.startMs
          : Math.max(range.startMs, Date.now() - provider.capabilities.historyDays * DAY_MS);
      await this.#exclusive(connection, async () => {
        const latest = await this.#options.store.connections.get<unknown, PollState>(user.devId, user.userId);
        if (!latest || floor >= latest.syncState.syncedFromMs) return;
        await this.#requestBackfill(user, provider, { ...latest.syncState, backfillFromMs: floor });
      });
      return;
    }
    if (!provider?.polling || !provider.capabilities.dataTypes.includes(type)) return;
    const connection = await this.#options.store.connections.get<unknown, PollState>(user.devId, user.userId);
    if (!connection || connection.status !== 'active' || !user.active) return;
    if (typeof connection.syncState.syncedFromMs !== 'number' || range.startMs >= connection.syncState.syncedFromMs)
      return;
    await this.#exclusive(connection, () => this.#history(user, provider, range.startMs));
  }

  /** Aborts an in-flight sync of this connection (deauth): no further provider calls are made. */
  stop(devId: string, userId: string): void {
    this.#running.get(`${devId}\u0000${userId}`)?.abort(new TributaryError('not_found', 'connection removed'));
  }

  /** Aborts every in-flight sync between two provider calls (shutdown); progress so far is kept. */
  stopAll(): void {
    for (const controller of this.#running.values()) controller.abort(new TributaryError('not_found', 'shutting down'));
  }

  /** Serializes work per connection in this process. */
  async #exclusive<T>(connection: Pick<Connection, 'devId' | 'userId'>, work: () => Promise<T>): Promise<T> {
    const key = `${connection.devId}\u0000${connection.userId}`;
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.#locks.set(key, next);
    try {
      return await next;
    } finally {
      if (this.#locks.get(key) === next) this.#locks.delete(key);
    }
  }

  async #poll(devId: string, userId: string): Promise<void> {
    const { store, providers, logger } = this.#options;
    const connection = await store.connections.get<unknown, PollState>(devId, userId);
    const user = await store.users.get(devId, userId);
    if (!connection || !user || connection.status !== 'active') return;
    const provider = providers.get(connection.provider);
    if (provider?.backfill && !provider.polling && user.active) {
      await this.#requestBackfill(user, provider, connection.syncState);
      return;
    }
    if (!provider?.polling) {
      await store.connections.update(devId, userId, { nextSyncAt: null });
      return;
    }
    const intervalMs = provider.polling.intervalMs;
    if (!user.active) {
      await store.connections.update(devId, userId, { nextSyncAt: Date.now() + intervalMs });
      return;
    }
    const state: PollState = { ...initialSync(provider).syncState, ...connection.syncState };
    const sinceMs = Math.max(state.syncedFromMs, state.cursorMs - POLL_OVERLAP_MS);
    // A connection's first poll is its backfill; later ones are live.
    const lane = connection.syncState.lastSyncAt === undefined ? 'backfill' : 'live';
    try {
      await this.#fetch(user, provider, { sinceMs }, lane, (item) => {
        state.cursorMs = Math.max(state.cursorMs, item.startMs);
        return store.connections.update(devId, userId, { syncState: state });
      });
      await store.connections.update(devId, userId, {
        syncState: { ...state, lastSyncAt: new Date().toISOString(), failures: 0, lastError: undefined },
        nextSyncAt: Date.now() + intervalMs,
      });
      this.#options.metrics?.providerSync(provider.capabilities.name, 'ok');
    } catch (error) {
      const outcome = syncOutcome(error);
      if (outcome) this.#options.metrics?.providerSync(provider.capabilities.name, outcome);
      await this.#failed(user, provider, state, error, { startMs: sinceMs, endMs: Date.now() });
      if (!(
        isTributaryError(error) &&
        ['rate_limited', 'provider_error', 'provider_auth_failed', 'not_found'].includes(error.code)
      )) {
        logger.error('sync failed', { devId, userId, provider: provider.capabilities.name, error });
      }
    }
  }

  /**
   * A backfill-by-request provider's sync: asks for the part of the connection's history not
   * asked for yet (`backfillFromMs` up to `syncedFromMs`); the data arrives later through the
   * provider's notifications. A failure is retried like a failed poll.
   */
  async #requestBackfill(user: User, provider: ConfiguredProvider, stored: PollState): Promise<void> {
    const { store } = this.#options;
    const state: PollState = { ...stored };
    const from = state.backfillFromMs ?? state.syncedFromMs;
    try {
      if (from < state.syncedFromMs) {
        const controller = new AbortController();
        const key = `${user.devId}\u0000${user.userId}`;
        this.#running.set(key, controller);
        try {
          const withAccess = this.tokens.withAccess(provider, user.devId, user.userId, controller.signal, 'backfill');
          await provider.backfill!.request(withAccess, { sinceMs: from, untilMs: state.syncedFromMs });
        } finally {
          if (this.#running.get(key) === controller) this.#running.delete(key);
        }
        state.syncedFromMs = from;
      }
      await store.connections.update(user.devId, user.userId, {
        syncState: { ...state, lastSyncAt: new Date().toISOString(), failures: 0, lastError: undefined },
        nextSyncAt: null,
      });
      this.#options.metrics?.providerSync(provider.capabilities.name, 'ok');
    } catch (error) {
      const outcome = syncOutcome(error);
      if (outcome) this.#options.metrics?.providerSync(provider.capabilities.name, outcome);
      await this.#failed(user, provider, state, error, { startMs: from, endMs: state.syncedFromMs });
    }
  }

  async #history(user: User, provider: ConfiguredProvider, startMs: number): Promise<void> {
    const { store } = this.#options;
    const connection = await store.connections.get<unknown, PollState>(user.devId, user.userId);
    if (!connection || connection.status !== 'active' || startMs >= connection.syncState.syncedFromMs) return;
    const floor =
      provider.capabilities.historyDays === null
        ? startMs
        : Math.max(startMs, Date.now() - provider.capabilities.historyDays * DAY_MS);
    const syncedFromMs = connection.syncState.syncedFromMs;
    try {
      await this.#fetch(
        user,
        provider,
        { sinceMs: floor - 1, untilMs: syncedFromMs + 1 },
        'backfill',
        async () => undefined,
      );
    } catch (error) {
      await this.#failed(user, provider, connection.syncState, error, { startMs: floor, endMs: syncedFromMs });
      throw error;
    }
    const latest =
      (await store.connections.get<unknown, PollState>(user.devId, user.userId))?.syncState ?? connection.syncState;
    await store.connections.update(user.devId, user.userId, {
      syncState: { ...latest, syncedFromMs: Math.min(latest.syncedFromMs, floor) },
    });
  }

  async #fetch(
    user: User,
    provider: ConfiguredProvider,
    window: { sinceMs: number; untilMs?: number },
    lane: BudgetLane,
    progressed: (item: PolledItem) => Promise<unknown>,
  ): Promise<void> {
    const { store, eventsCommitted } = this.#options;
    const key = `${user.devId}\u0000${user.userId}`;
    const controller = new AbortController();
    this.#running.set(key, controller);
    try {
      const withAccess = this.tokens.withAccess(provider, user.devId, user.userId, controller.signal, lane);
      const name = provider.capabilities.name;
      const known = async (externalId: string) =>
        (await store.raw.list(user.devId, user.userId, { provider: name, externalId })).length > 0;
      for await (const item of provider.polling!.fetch(withAccess, { ...window, known })) {
        controller.signal.throwIfAborted();
        // The user may have been deauthorized while the provider answered: store nothing for it.
        const current = await store.users.get(user.devId, user.userId);
        if (!current) return;
        for (const related of item.related ?? [])
          await store.raw.put(user.devId, { ...related, userId: user.userId, provider: provider.capabilities.name });
        const result = await storeRecords(store, {
          user: current,
          type: item.type,
          raw: { provider: provider.capabilities.name, dataType: item.type, ...item.raw },
          records: item.records,
        });
        if (result.eventId) eventsCommitted.notify();
        if (item.problem) logUnreadable(this.#options.logger, provider, user, item);
        await progressed(item);
      }
    } finally {
      if (this.#running.get(key) === controller) this.#running.delete(key);
    }
  }

  /** Decides what a failed sync means for the connection: retry later, or stop until reconnected. */
  async #failed(
    user: User,
    provider: ConfiguredProvider,
    state: PollState,
    error: unknown,
    window: { startMs: number; endMs: number },
  ): Promise<void> {
    const { store, eventsCommitted, logger } = this.#options;
    const { devId, userId } = user;
    if (isTributaryError(error) && error.code === 'not_found') return; // disconnected meanwhile
    const intervalMs = provider.polling?.intervalMs ?? 15 * 60_000;
    if (isGrantRevoked(error) || isAccessRejected(error)) {
      const message = isGrantRevoked(error)
        ? `${provider.capabilities.displayName} no longer accepts this connection's refresh token (revoked or expired); the user must reconnect`
        : `${provider.capabilities.displayName} rejects this connection's access even after a token refresh; the user must reconnect`;
      const stopped = await store.transaction(async (tx) => {
        const current = await tx.users.get(devId, userId);
        if (!current || !(await tx.connections.get(devId, userId))) return false;
        await tx.connections.update(devId, userId, {
          status: isGrantRevoked(error) ? 'revoked' : 'error',
          nextSyncAt: null,
          syncState: { ...state, lastError: message, lastErrorAt: new Date().toISOString() },
        });
        const updated = (await tx.users.update(devId, userId, { state: 'error' })) ?? current;
        await tx.events.insert(devId, {
          type: 'connection_error',
          userId,
          payload: connectionErrorEvent(updated, message),
        });
        return true;
      });
      if (stopped) {
        eventsCommitted.notify();
        logger.warn('connection stopped: reconnect needed', { devId, userId, provider: provider.capabilities.name });
      }
      return;
    }
    const failures = (state.failures ?? 0) + 1;
    const retryAfterMs =
      isTributaryError(error) && error.code === 'rate_limited'
        ? Number(error.details.retry_after_seconds ?? 60) * 1000
        : Math.min(intervalMs, 60_000 * 2 ** Math.min(failures - 1, 10));
    const retryAt = Date.now() + retryAfterMs;
    // Our own pacing (the budget's window is spent) delays nothing the app must hear about.
    const rateLimited = isTributaryError(error) && error.code === 'rate_limited' && !isOwnPacing(error);
    const paced = isOwnPacing(error);
    await store.transaction(async (tx) => {
      await tx.connections.update(devId, userId, {
        syncState: paced
          ? state
          : {
              ...state,
              failures,
              lastError: error instanceof Error ? error.message : String(error),
              lastErrorAt: new Date().toISOString(),
            },
        nextSyncAt: retryAt,
      });
      // Terra tells the app when a provider's rate limit delays its data, and until when.
      if (rateLimited) {
        const payload = rateLimitHitEvent(user, {
          startDate: new Date(window.startMs).toISOString(),
          endDate: new Date(window.endMs).toISOString(),
          retryingAt: new Date(retryAt).toISOString(),
          message: `${provider.capabilities.displayName} rate limit hit; retrying at ${new Date(retryAt).toISOString()}`,
        });
        await tx.events.insert(devId, { type: 'rate_limit_hit', userId, payload });
      }
    });
    if (rateLimited) eventsCommitted.notify();
    logger.warn('sync will be retried', {
      devId,
      userId,
      provider: provider.capabilities.name,
      retryInMs: retryAfterMs,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/** A payload the provider could not read: kept raw (replay can retry it with a fixed normalizer), no record, logged. */
export function logUnreadable(logger: Logger, provider: ConfiguredProvider, user: User, item: PolledItem): void {
  logger.error('provider payload kept raw without records', {
    provider: provider.capabilities.name,
    devId: user.devId,
    userId: user.userId,
    externalId: item.raw.externalId,
    error: item.problem,
  });
}

/** A failed poll, as `tributary_provider_syncs_total` counts it; none when the connection went away meanwhile. */
function syncOutcome(error: unknown): SyncOutcome | undefined {
  if (isTributaryError(error) && error.code === 'not_found') return undefined;
  if (isTributaryError(error) && error.code === 'rate_limited') return 'rate_limited';
  if (
    isGrantRevoked(error) ||
    isAccessRejected(error) ||
    (isTributaryError(error) && error.code === 'provider_auth_failed')
  )
    return 'auth_failed';
  return 'error';
}
