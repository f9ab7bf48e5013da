import { randomBytes } from 'node:crypto';
import { TributaryError, isTributaryError } from '../core/errors.ts';
import type { ConfiguredProvider, TokenSet, WithAccess } from '../providers/provider.ts';
import type { BudgetLane, Store } from '../store/store.ts';
import type { ProviderBudgets } from './provider-budget.ts';

/**
 * Keeps a connection's access token valid: refreshes shortly before expiry and once after
 * the provider rejects it, stores the newest (rotated) token set, and never runs two
 * refreshes of one connection at once: in this process by sharing the promise, across
 * processes by a lease in the store (`refresh:<dev>:<user>`); a process that finds the
 * lease taken waits for the holder's token set instead of spending the (single-use)
 * refresh token itself. A refresh that still loses a race (its refresh token was already
 * rotated) adopts the token set the winner stored instead of failing.
 */
export class TokenKeeper {
  readonly #store: Store;
  readonly #skewMs: number;
  readonly #inflight = new Map<string, Promise<TokenSet>>();
  readonly #holder = `keeper-${randomBytes(8).toString('hex')}`;
  readonly #leaseMs: number;
  readonly #waitStepMs: number;
  readonly #budgets: ProviderBudgets | undefined;

  constructor(
    store: Store,
    options: { refreshSkewMs?: number; leaseMs?: number; waitStepMs?: number; budgets?: ProviderBudgets } = {},
  ) {
    this.#store = store;
    this.#budgets = options.budgets;
    this.#skewMs = options.refreshSkewMs ?? 60_000;
    // Longer than a token endpoint call may take (the OAuth2 client times out at 30 s).
    this.#leaseMs = options.leaseMs ?? 45_000;
    this.#waitStepMs = options.waitStepMs ?? 100;
  }

  /**
   * A `WithAccess` for one connection; `signal` aborts between calls (deauth). With budgets,
   * each provider call takes a request of `lane` first, and a 429 pauses the provider for all.
   */
  withAccess(
    provider: ConfiguredProvider,
    devId: string,
    userId: string,
    signal?: AbortSignal,
    lane: BudgetLane = 'live',
  ): WithAccess {
    const budgets = this.#budgets;
    const metered = <T>(call: () => Promise<T>): Promise<T> =>
      budgets
        ? budgets.take(provider, lane).then(() =>
            call().catch(async (error: unknown) => {
              await budgets.observe(provider, error);
              throw error;
            }),
          )
        : call();
    return async <T>(call: (credentials: TokenSet) => Promise<T>): Promise<T> => {
      signal?.throwIfAborted();
      let credentials = await this.#current(devId, userId);
      if (
        provider.tokenRefresh &&
        credentials.expiresAt !== null &&
        credentials.expiresAt - this.#skewMs <= Date.now()
      ) {
        credentials = await this.refresh(provider, devId, userId, credentials);
      }
      try {
        const first = credentials;
        return await metered(() => call(first));
      } catch (error) {
        if (!provider.tokenRefresh || !isAccessRejected(error)) throw error;
        signal?.throwIfAborted();
        const fresh = await this.refresh(provider, devId, userId, credentials);
        return metered(() => call(fresh));
      }
    };
  }

  /** Refreshes `used` (the token set that failed or is expiring), single-flight per connection. */
  refresh(provider: ConfiguredProvider, devId: string, userId: string, used: TokenSet): Promise<TokenSet> {
    const key = `${devId}\u0000${userId}`;
    const running = this.#inflight.get(key);
    if (running) return running;
    const promise = this.#refresh(provider, devId, userId, used).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return promise;
  }

  async #refresh(provider: ConfiguredProvider, devId: string, userId: string, used: TokenSet): Promise<TokenSet> {
    const lease = `refresh:${devId}:${userId}`;
    const deadline = Date.now() + this.#leaseMs;
    while (!(await this.#store.leases.acquire(lease, this.#holder, this.#leaseMs))) {
      // Another process is refreshing this connection: adopt its result when it is stored.
      const stored = await this.#current(devId, userId);
      if (stored.accessToken !== used.accessToken) return stored;
      if (Date.now() > deadline)
        throw new TributaryError('provider_error', `a token refresh of user ${userId} elsewhere did not finish`, {
          provider: provider.capabilities.name,
        });
      await new Promise((resolve) => setTimeout(resolve, this.#waitStepMs));
    }
    try {
      return await this.#refreshHoldingLease(provider, devId, userId, used);
    } finally {
      await this.#store.leases.release(lease, this.#holder);
    }
  }

  async #refreshHoldingLease(
    provider: ConfiguredProvider,
    devId: string,
    userId: string,
    used: TokenSet,
  ): Promise<TokenSet> {
    const stored = await this.#current(devId, userId);
    // Someone refreshed since `used` was read: their token set is the newest.
    if (
      stored.accessToken !== used.accessToken &&
      (stored.expiresAt === null || stored.expiresAt - this.#skewMs > Date.now())
    )
      return stored;
    let fresh: TokenSet;
    try {
      fresh = await provider.tokenRefresh!.refresh(stored);
    } catch (error) {
      if (isTributaryError(error) && error.details.reason === 'invalid_grant') {
        const now = await this.#current(devId, userId);
        if (now.refreshToken !== stored.refreshToken) return now; // another process rotated it first
      }
      throw error;
    }
    await this.#store.connections.update(devId, userId, { credentials: fresh });
    return fresh;
  }

  async #current(devId: string, userId: string): Promise<TokenSet> {
    const connection = await this.#store.connections.get<TokenSet>(devId, userId);
    if (!connection?.credentials)
      throw new TributaryError('not_found', `no stored credentials for user ${userId} (disconnected)`);
    return connection.credentials;
  }
}

export function isAccessRejected(error: unknown): boolean {
  return (
    isTributaryError(error) && error.code === 'provider_auth_failed' && error.details.reason === 'access_token_rejected'
  );
}

export function isGrantRevoked(error: unknown): boolean {
  return isTributaryError(error) && error.code === 'provider_auth_failed' && error.details.reason === 'invalid_grant';
}
