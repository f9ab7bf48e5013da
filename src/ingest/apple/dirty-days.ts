import type { Logger } from '../../core/logger.ts';
import type { Signal } from '../../core/signal.ts';
import type { Store } from '../../store/index.ts';
import { drainDirtyBuckets } from './ingest.ts';

/** A bucket left dirty this long was abandoned by its process (a live ingest recomputes at once). */
const ABANDONED_AFTER_MS = 30 * 60_000;
const CHECK_EVERY_MS = 5 * 60_000;
const PASS_LIMIT = 1000;

/**
 * The worker task that recomputes Apple days whose samples committed but whose records were
 * never recomputed (a crash between the two, issue 10 item 10b): at start-up, everything marked
 * before the process started; afterwards, from time to time, buckets left dirty for long.
 */
export class DirtyDaysDrain {
  readonly name = 'apple-dirty-days';
  readonly #store: Store;
  readonly #events: Signal;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(deps: { store: Store; eventsCommitted: Signal; logger: Logger }) {
    this.#store = deps.store;
    this.#events = deps.eventsCommitted;
    this.#logger = deps.logger;
  }

  start(): void {
    if (this.#timer) return;
    this.#stopped = false;
    this.#running = this.#drain(Date.now());
    this.#timer = setInterval(() => {
      this.#running = this.#running.then(() => this.#drain(Date.now() - ABANDONED_AFTER_MS));
    }, CHECK_EVERY_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Passes until nothing marked before `markedBeforeMs` is left, or a pass makes no progress. */
  async #drain(markedBeforeMs: number): Promise<void> {
    try {
      while (!this.#stopped) {
        const done = await drainDirtyBuckets(this.#store, {
          markedBeforeMs,
          limit: PASS_LIMIT,
          onError: (error, userId) => this.#logger.error('recomputing dirty Apple days failed', { userId, error }),
        });
        if (done === 0) break;
        this.#events.notify();
        this.#logger.info('recomputed Apple days left dirty by an interrupted ingest', { buckets: done });
        if (done < PASS_LIMIT) break;
      }
    } catch (error) {
      this.#logger.error('draining dirty Apple days failed', { error });
    }
  }
}
