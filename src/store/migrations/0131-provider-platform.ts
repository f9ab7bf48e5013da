import type { Migration } from '../sql/db.ts';

/**
 * The provider platform (issue 13): notifications providers push to
 * `/providers/{provider}/webhook`, stored verbatim before they are acknowledged and
 * processed from the queue (one row per distinct delivery: a duplicate is ignored by its
 * dedupe key); named leases that make one process at a time do a thing across the
 * deployment (a connection's token refresh, a subscription's renewal).
 */
export const providerPlatform: Migration = {
  id: 131,
  name: 'provider-platform',
  sqlite: sql('BLOB'),
  postgres: sql('BYTEA'),
};

function sql(bytes: string): string {
  return `
CREATE TABLE provider_notifications (
  notification_id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  content_type TEXT NOT NULL,
  headers TEXT NOT NULL,
  body ${bytes} NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  received_at TEXT NOT NULL,
  received_ms BIGINT NOT NULL,
  processed_at TEXT,
  UNIQUE (provider, dedupe_key)
);
CREATE INDEX provider_notifications_status ON provider_notifications (status, received_ms);

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  until_ms BIGINT NOT NULL
);
`;
}
