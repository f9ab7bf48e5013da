import type { ProviderCapabilities } from '../providers/provider.ts';
import { PROVIDER_DEFINITIONS, type ProviderRegistry } from '../providers/registry.ts';
import type { ConnectionHealthRow, UserState } from '../store/store.ts';

const HOUR_MS = 3_600_000;
/** Providers that report daily summaries produce data every day: two quiet days is unusual. */
export const DAILY_DATA_CADENCE_MS = 48 * HOUR_MS;
/** Workout-only providers go quiet when the user does not train: a month without any is unusual. */
export const WORKOUT_DATA_CADENCE_MS = 30 * 24 * HOUR_MS;
/** Consecutive failed polls after which a connection counts as failing (transient errors retry first). */
export const FAILING_SYNCS = 3;

export type StaleReason = 'no_data' | 'sync_failing';

export interface ConnectionHealth {
  user_id: string;
  reference_id: string | null;
  provider: string;
  state: UserState;
  active: boolean;
  /** When new data last arrived (null: never). */
  last_data_at: string | null;
  last_sync_success_at: string | null;
  last_sync_failure_at: string | null;
  last_sync_error: string | null;
  consecutive_failures: number;
  /** How long this provider usually goes without data; null = no cadence (uploads arrive when the user adds them). */
  expected_cadence_hours: number | null;
  stale: boolean;
  stale_reason: StaleReason | null;
  /** When the current stale period was announced as a `connection_stale` event (null: not announced). */
  stale_notified_at: string | null;
}

/** A provider's capabilities, configured or not (a user may outlive its provider's configuration). */
export function capabilitiesOf(providers: ProviderRegistry, name: string): ProviderCapabilities | undefined {
  return (
    providers.get(name)?.capabilities ??
    PROVIDER_DEFINITIONS.find((d) => d.capabilities.name === name.toUpperCase())?.capabilities
  );
}

/**
 * How often data usually arrives from a provider, read from its capabilities (never its
 * name): uploads have no cadence; providers with daily summaries a short one; the rest
 * (workouts) a long one.
 */
export function dataCadenceMs(capabilities: ProviderCapabilities | undefined): number | null {
  if (!capabilities || capabilities.sync === 'upload') return null;
  return capabilities.dataTypes.includes('daily') ? DAILY_DATA_CADENCE_MS : WORKOUT_DATA_CADENCE_MS;
}

/**
 * Judges one user's connection. Only a connected, active user can be stale: a pending,
 * deauthorized or errored one shows its own state. Stale when its syncs keep failing, or
 * when no data arrived for longer than the provider's cadence (counted from the later of
 * the last data and the connection's creation).
 */
export function judgeConnection(
  row: ConnectionHealthRow,
  capabilities: ProviderCapabilities | undefined,
  now = Date.now(),
): ConnectionHealth {
  const { user, connection } = row;
  const sync = connection?.syncState ?? {};
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  const failures = typeof sync.failures === 'number' ? sync.failures : 0;
  const lastError = text(sync.lastError);
  const cadence = dataCadenceMs(capabilities);
  let reason: StaleReason | null = null;
  if (user.state === 'connected' && user.active) {
    if (failures >= FAILING_SYNCS) reason = 'sync_failing';
    else if (cadence !== null) {
      const since = Math.max(Date.parse(user.lastWebhookUpdate ?? '') || 0, Date.parse(user.createdAt) || 0);
      if (now - since > cadence) reason = 'no_data';
    }
  }
  return {
    user_id: user.userId,
    reference_id: user.referenceId,
    provider: user.provider,
    state: user.state,
    active: user.active,
    last_data_at: user.lastWebhookUpdate,
    last_sync_success_at: text(sync.lastSyncAt),
    last_sync_failure_at: text(sync.lastErrorAt) ?? (lastError ? (connection?.updatedAt ?? null) : null),
    last_sync_error: lastError,
    consecutive_failures: failures,
    expected_cadence_hours: cadence === null ? null : cadence / HOUR_MS,
    stale: reason !== null,
    stale_reason: reason,
    stale_notified_at: row.staleNotice?.notifiedAt ?? null,
  };
}
