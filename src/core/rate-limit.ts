import { createHash } from 'node:crypto';
import { TributaryError } from './errors.ts';

/** Where hits are counted: the store's shared counters (`Store.rateLimits`). */
export interface RateCounter {
  hit(name: string, key: string, now: number, windowMs: number): Promise<{ hits: number; windowStart: number }>;
  sweep(beforeMs: number): Promise<void>;
}

/**
 * A limit of `limit` hits per `windowMs` per key (an IP, a developer), counted in the store so
 * every process of a deployment shares one budget (two app instances behind a balancer do not
 * each grant it). Past the limit: a 429 carrying the seconds until the window ends.
 */
export class RateLimiter {
  #lastSweep = 0;

  constructor(
    private readonly counter: RateCounter,
    readonly name: string,
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one hit on `key`; a 429 (with the seconds to wait) once the window's limit is passed. */
  async hit(key: string, what: string): Promise<void> {
    const now = this.now();
    const { hits, windowStart } = await this.counter.hit(this.name, storedKey(key), now, this.windowMs);
    this.#sweep(now);
    if (hits <= this.limit) return;
    const retryAfter = Math.max(1, Math.ceil((windowStart + this.windowMs - now) / 1000));
    throw new TributaryError('rate_limited', `too many ${what}: try again in ${retryAfter} s`, {
      retry_after_seconds: retryAfter,
    });
  }

  /** Ended windows are deleted now and then (at most once a window per process), off the request path. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < this.windowMs) return;
    this.#lastSweep = now;
    void this.counter.sweep(now - this.windowMs).catch(() => undefined);
  }
}

/** Keys come from clients (a dev-id header): long ones are stored as their hash, so a row stays small. */
function storedKey(key: string): string {
  return key.length <= 128 ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** The limits of the hosted pages and of API-key checks, shared by every process through the store. */
export const LIMITS = {
  /** Requests to hosted pages (/connect, /widget, /oauth, /upload) per IP per minute. */
  pagesPerIp: (counter: RateCounter) => new RateLimiter(counter, 'pages-ip', 120, 60_000),
  /** Hosted-page requests of one developer's links per minute (all IPs together). */
  pagesPerDeveloper: (counter: RateCounter) => new RateLimiter(counter, 'pages-developer', 600, 60_000),
  /** Refused dev-id/x-api-key checks per IP per minute; further refusals are 429. */
  failedKeysPerIp: (counter: RateCounter) => new RateLimiter(counter, 'failed-keys-ip', 20, 60_000),
  /** Refused checks naming one dev-id per minute (all addresses together). */
  failedKeysPerDeveloper: (counter: RateCounter) => new RateLimiter(counter, 'failed-keys-developer', 60, 60_000),
};
