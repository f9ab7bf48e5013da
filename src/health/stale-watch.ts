import type { Logger } from '../core/logger.ts';
import type { Signal } from '../core/signal.ts';
import { terraUser } from '../delivery/terra-events.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Store } from '../store/store.ts';
import { capabilitiesOf, judgeConnection, type ConnectionHealth } from './connection-health.ts';

export interface StaleWatchDeps {
  store: Store;
  providers: ProviderRegistry;
  eventsCommitted: Signal;
}

/** How often the worker looks for connections that went stale. */
export const STALE_CHECK_INTERVAL_MS = 5 * 60_000;

/**
 * The `connection_stale` event (a Tributary extension, not a Terra event): delivered only to
 * destinations that list it in `event_types`.
 */
export function connectionStaleEvent(
  health: ConnectionHealth,
  user: Parameters<typeof terraUser>[0],
): Record<string, unknown> {
  const message =
    health.stale_reason === 'sync_failing'
      ? `${health.consecutive_failures} syncs in a row failed${health.last_sync_error ? `: ${health.last_sync_error}` : ''}`
      : `no data for more than ${health.expected_cadence_hours} hours (the provider usually sends more often)`;
  return {
    type: 'connection_stale',
    status: 'warning',
    user: terraUser(user),
    reason: health.stale_reason,
    message,
    last_data_at: health.last_data_at,
    last_sync_success_at: health.last_sync_success_at,
    last_sync_failure_at: health.last_sync_failure_at,
  };
}

/**
 * Announces each connection that became stale, once per stale period (the notice is cleared
 * when the connection is healthy again). Returns how many events were written.
 */
export async function announceStaleConnections(deps: StaleWatchDeps, now = Date.now()): Promise<number> {
  const { store, providers } = deps;
  let announced = 0;
  for (const developer of await store.developers.list()) {
    for (const row of await store.connectionHealth.list(developer.devId)) {
      const health = judgeConnection(row, capabilitiesOf(providers, row.user.provider), now);
      if (!health.stale) {
        if (row.staleNotice) await store.connectionHealth.clearStaleNotice(developer.devId, row.user.userId);
        continue;
      }
      if (row.staleNotice) continue;
      const written = await store.transaction(async (tx) => {
        const notice = { reason: health.stale_reason!, notifiedAt: new Date(now).toISOString() };
        if (!(await tx.connectionHealth.claimStaleNotice(developer.devId, row.user.userId, notice))) return false;
        await tx.events.insert(developer.devId, {
          type: 'connection_stale',
          userId: row.user.userId,
          payload: connectionStaleEvent(health, row.user),
        });
        return true;
      });
      if (written) announced++;
    }
  }
  if (announced > 0) deps.eventsCommitted.notify();
  return announced;
}

/** The worker-role task that runs `announceStaleConnections` every few minutes. */
export class StaleWatch {
  readonly name = 'connection-stale-watch';
  readonly #deps: StaleWatchDeps;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(deps: StaleWatchDeps, logger: Logger, intervalMs = STALE_CHECK_INTERVAL_MS) {
    this.#deps = deps;
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#running = announceStaleConnections(this.#deps).catch((error: unknown) =>
        this.#logger.error('stale connection check failed', { error }),
      );
    }, this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
