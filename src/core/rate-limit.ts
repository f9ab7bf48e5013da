import { TributaryError } from './errors.ts';

/**
 * Fixed-window counters in memory, per key (an IP, a developer). Per process: with several
 * API processes behind a balancer each enforces its own share, which still bounds guessing
 * and flooding (documented in SECURITY.md).
 */
export class RateLimiter {
  readonly #windows = new Map<string, { count: number; resetMs: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one hit on `key`; a 429 (with the seconds to wait) once the window's limit is passed. */
  hit(key: string, what: string): void {
    const window = this.#current(key);
    window.count++;
    this.check(key, what);
  }

  /** A 429 when `key` already used up its window, without counting (e.g. before checking a key). */
  check(key: string, what: string): void {
    const window = this.#current(key);
    if (window.count <= this.limit) return;
    const retryAfter = Math.max(1, Math.ceil((window.resetMs - this.now()) / 1000));
    throw new TributaryError('rate_limited', `too many ${what}: try again in ${retryAfter} s`, {
      retry_after_seconds: retryAfter,
    });
  }

  #current(key: string): { count: number; resetMs: number } {
    const now = this.now();
    let window = this.#windows.get(key);
    if (!window || window.resetMs <= now) {
      if (this.#windows.size > 100_000) this.#sweep(now);
      window = { count: 0, resetMs: now + this.windowMs };
      this.#windows.set(key, window);
    }
    return window;
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) if (window.resetMs <= now) this.#windows.delete(key);
  }
}

/** The limits of the hosted pages and of API-key checks (per process). */
export const LIMITS = {
  /** Requests to hosted pages (/connect, /widget, /oauth, /upload) per IP per minute. */
  pagesPerIp: () => new RateLimiter(120, 60_000),
  /** Hosted-page requests of one developer's links per minute (all IPs together). */
  pagesPerDeveloper: () => new RateLimiter(600, 60_000),
  /** Refused dev-id/x-api-key checks per IP per minute; further refusals are 429. */
  failedKeysPerIp: () => new RateLimiter(20, 60_000),
  /** Refused checks naming one dev-id per minute (all addresses together). */
  failedKeysPerDeveloper: () => new RateLimiter(60, 60_000),
};
