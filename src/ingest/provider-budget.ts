import { isTributaryError, TributaryError } from '../core/errors.ts';
import type { ConfiguredProvider } from '../providers/provider.ts';
import type { BudgetLane, Store } from '../store/store.ts';

/** The share of each window the backfill lane may use; the rest is live's alone. */
export const DEFAULT_BACKFILL_SHARE = 0.5;

/**
 * The rate-limit budget of each provider application, shared by every process through the
 * store. Every provider API call made with a user's tokens takes one request of its lane
 * first: `live` (regular polls, webhook fetches) may use the whole window, `backfill` (a new
 * connection's history, reads of older periods) at most `backfillShare` of it, so backfills
 * never starve live polling. A provider without a declared `rateLimit` is not counted. When
 * the provider answers 429, every process pauses calls to it until its `Retry-After` passes.
 * A call the budget refuses throws `rate_limited` (`details.source`: `budget` — our own
 * pacing — or `paused` — the provider's 429) with `retry_after_seconds`.
 */
export class ProviderBudgets {
  readonly #store: Store;
  readonly #share: number;
  readonly #now: () => number;
  readonly #swept = new Map<string, number>();

  constructor(store: Store, options: { backfillShare?: number; now?: () => number } = {}) {
    this.#store = store;
    this.#share = options.backfillShare ?? DEFAULT_BACKFILL_SHARE;
    this.#now = options.now ?? Date.now;
  }

  /** Takes one request of `lane` from the provider's budget, or throws `rate_limited`. */
  async take(provider: ConfiguredProvider, lane: BudgetLane): Promise<void> {
    const name = provider.capabilities.name;
    const now = this.#now();
    const pausedUntil = await this.#store.providerBudgets.blockedUntil(name);
    if (pausedUntil !== null && pausedUntil > now)
      throw refused(provider, pausedUntil - now, 'paused', lane, `${provider.capabilities.displayName} asked to wait`);
    const limit = provider.rateLimit;
    if (!limit) return;
    const windowMs = limit.windowSeconds * 1000;
    const windowStart = now - (now % windowMs);
    const ok = await this.#store.providerBudgets.take(name, lane, windowStart, {
      total: limit.requests,
      backfill: Math.floor(limit.requests * this.#share),
    });
    if (this.#swept.get(name) !== windowStart) {
      this.#swept.set(name, windowStart);
      await this.#store.providerBudgets.sweep(name, windowStart - windowMs);
    }
    if (!ok)
      throw refused(
        provider,
        windowStart + windowMs - now,
        'budget',
        lane,
        `the ${lane} budget of ${provider.capabilities.displayName} (${limit.requests} requests per ${limit.windowSeconds} s) is spent`,
      );
  }

  /** After a failed call: a 429 from the provider pauses every process until its Retry-After. */
  async observe(provider: ConfiguredProvider, error: unknown): Promise<void> {
    if (!isTributaryError(error) || error.code !== 'rate_limited' || error.details.source !== undefined) return;
    const seconds = Number(error.details.retry_after_seconds ?? 60);
    const waitMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : 60) * 1000;
    await this.#store.providerBudgets.block(provider.capabilities.name, this.#now() + waitMs);
  }
}

function refused(
  provider: ConfiguredProvider,
  waitMs: number,
  source: 'budget' | 'paused',
  lane: BudgetLane,
  message: string,
): TributaryError {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return new TributaryError('rate_limited', `${message}; retry after ${retryAfter} s`, {
    provider: provider.capabilities.name,
    retry_after_seconds: retryAfter,
    source,
    lane,
  });
}

/** Whether a `rate_limited` error is Tributary's own pacing (no provider limit was hit). */
export function isOwnPacing(error: unknown): boolean {
  return isTributaryError(error) && error.code === 'rate_limited' && error.details.source === 'budget';
}
