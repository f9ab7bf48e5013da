import type { Logger } from '../core/logger.ts';
import type { SyncService } from './sync.ts';

/**
 * The worker-role loop that polls due connections (a `BackgroundTask` for app.ts). It
 * ticks every `tickMs` and at once when woken (a new connection wants its backfill).
 */
export class SyncScheduler {
  readonly name = 'ingest-sync';
  readonly #sync: SyncService;
  readonly #logger: Logger;
  readonly #tickMs: number;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #woken = false;

  constructor(sync: SyncService, logger: Logger, options: { tickMs?: number } = {}) {
    this.#sync = sync;
    this.#logger = logger;
    this.#tickMs = options.tickMs ?? 1000;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Runs a tick as soon as possible. */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Stops ticking; a sync in flight stops at its next provider call (its progress is kept). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#sync.stopAll();
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        await this.#sync.runDue();
      } catch (error) {
        this.#logger.error('sync tick failed', { error });
      }
      if (!this.#running) break;
      if (this.#woken) {
        this.#woken = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#tickMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}
