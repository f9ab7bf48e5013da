import type { SecretBox } from '../../core/crypto.ts';
import { MIGRATIONS } from '../migrations/index.ts';
import type { Store } from '../store.ts';
import { apiKeyRepo } from './api-keys.ts';
import { appleSampleRepo, appleSdkRepo } from './apple.ts';
import { authSessionRepo } from './auth-sessions.ts';
import { connectionHealthRepo } from './connection-health.ts';
import { connectionRepo } from './connections.ts';
import { migrate, type Db } from './db.ts';
import { deliveryRepo } from './deliveries.ts';
import { destinationRepo } from './destinations.ts';
import { developerRepo } from './developers.ts';
import { dataRequestRepo, eventRepo } from './events.ts';
import { jobRepo } from './jobs.ts';
import { mcpAuditRepo, mcpGrantRepo } from './mcp.ts';
import { leaseRepo, providerNotificationRepo } from './provider-platform.ts';
import { providerBudgetRepo } from './provider-budgets.ts';
import { rateLimitRepo } from './rate-limits.ts';
import { rawRecordRepo, recordRepo } from './records.ts';
import { userRepo } from './users.ts';

/** Builds the Store over a driver. Both engines share every repository; only `Db` differs. */
export function sqlStore(db: Db, box: SecretBox): Store {
  const developers = developerRepo(db);
  return {
    engine: db.dialect,
    developers,
    apiKeys: apiKeyRepo(db, () => developers),
    users: userRepo(db),
    connections: connectionRepo(db, box),
    connectionHealth: connectionHealthRepo(db),
    raw: rawRecordRepo(db),
    records: recordRepo(db),
    events: eventRepo(db),
    dataRequests: dataRequestRepo(db),
    destinations: destinationRepo(db, box),
    deliveries: deliveryRepo(db),
    jobs: jobRepo(db),
    authSessions: authSessionRepo(db),
    appleSamples: appleSampleRepo(db),
    appleSdk: appleSdkRepo(db),
    mcpGrants: mcpGrantRepo(db),
    mcpAudit: mcpAuditRepo(db),
    providerNotifications: providerNotificationRepo(db),
    leases: leaseRepo(db),
    providerBudgets: providerBudgetRepo(db),
    rateLimits: rateLimitRepo(db),
    transaction: (fn) => db.transaction((tx) => fn(sqlStore(tx, box))),
    ping: async () => {
      await db.get('SELECT 1 AS ok');
    },
    operatorFigures: async (now) => {
      // Each MIN reads one end of an index (events_undispatched, deliveries_due, connections_due).
      const [events, deliveries, syncs] = await Promise.all([
        db.get<{ at: number | null }>('SELECT MIN(created_ms) AS at FROM events WHERE dispatched = 0'),
        db.get<{ at: number | null }>(
          `SELECT MIN(next_attempt_at) AS at FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?`,
          [now],
        ),
        db.all<{ provider: string; at: number }>(
          `SELECT provider, MIN(next_sync_at) AS at FROM connections
           WHERE status = 'active' AND next_sync_at IS NOT NULL AND next_sync_at <= ? GROUP BY provider`,
          [now],
        ),
      ]);
      const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
      return {
        oldestUndispatchedMs: number(events?.at),
        oldestDueDeliveryMs: number(deliveries?.at),
        oldestDueSyncMs: Object.fromEntries(syncs.map((row) => [row.provider, Number(row.at)])),
        ...(db.poolUse ? { pool: db.poolUse() } : {}),
      };
    },
    close: () => db.close(),
  };
}

/** Opens a store over `db`, applying pending migrations first. */
export async function openSqlStore(db: Db, box: SecretBox): Promise<Store> {
  await migrate(db, MIGRATIONS);
  return sqlStore(db, box);
}
