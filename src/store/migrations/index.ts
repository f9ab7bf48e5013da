import type { Migration } from '../sql/db.ts';
import { core } from './0001-core.ts';
import { eventOrder } from './0002-event-order.ts';
import { authSessions } from './0010-auth-sessions.ts';
import { delivery } from './0020-delivery.ts';
import { apple } from './0050-apple.ts';
import { recordSummaryIndex } from './0060-record-summary-index.ts';
import { providerPlatform } from './0131-provider-platform.ts';
import { providerBudgets } from './0132-provider-budgets.ts';
import { apiKeys } from './0150-api-keys.ts';
import { connectionHealth } from './0151-connection-health.ts';
import { mcp } from './0170-mcp.ts';
import { hostedLinkLimits } from './0180-hosted-link-limits.ts';
import { userErasure } from './0190-user-erasure.ts';
import { ingestRecovery } from './0191-ingest-recovery.ts';
import { fairDelivery } from './0192-fair-delivery.ts';
import { sharedRateLimits } from './0195-shared-rate-limits.ts';
import { eventQuarantine } from './0196-event-quarantine.ts';

/** Every migration, in order. Add new files here; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  core,
  eventOrder,
  authSessions,
  delivery,
  apple,
  recordSummaryIndex,
  providerPlatform,
  providerBudgets,
  apiKeys,
  connectionHealth,
  mcp,
  hostedLinkLimits,
  userErasure,
  ingestRecovery,
  fairDelivery,
  sharedRateLimits,
  eventQuarantine,
];
