import type { Migration } from '../sql/db.ts';

/** Developers, users and their connections, raw and normalized records, the event outbox. */
export const core: Migration = {
  id: 1,
  name: 'core',
  sqlite: sql('BLOB'),
  postgres: sql('BYTEA'),
};

function sql(bytes: string): string {
  return `
CREATE TABLE developers (
  dev_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  api_key_hash TEXT NOT NULL,
  enabled_providers TEXT,
  created_at TEXT NOT NULL
);

CREATE TABLE users (
  user_id TEXT PRIMARY KEY,
  dev_id TEXT NOT NULL REFERENCES developers(dev_id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  reference_id TEXT,
  provider_user_id TEXT,
  state TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  scopes TEXT,
  last_webhook_update TEXT,
  created_at TEXT NOT NULL,
  created_seq BIGINT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX users_dev_reference ON users (dev_id, reference_id);
CREATE INDEX users_dev_provider_account ON users (dev_id, provider, provider_user_id);
CREATE INDEX users_dev_created ON users (dev_id, created_seq);

CREATE TABLE connections (
  user_id TEXT PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
  dev_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  credentials_sealed TEXT,
  status TEXT NOT NULL,
  sync_state TEXT NOT NULL DEFAULT '{}',
  next_sync_at BIGINT,
  lease_until BIGINT,
  updated_at TEXT NOT NULL
);
CREATE INDEX connections_due ON connections (status, next_sync_at);

CREATE TABLE raw_records (
  raw_id TEXT PRIMARY KEY,
  dev_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  data_type TEXT NOT NULL,
  external_id TEXT NOT NULL,
  content_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  body ${bytes} NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (dev_id, user_id, provider, external_id, sha256)
);

CREATE TABLE records (
  dev_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  data_type TEXT NOT NULL,
  natural_key TEXT NOT NULL,
  start_ms BIGINT,
  end_ms BIGINT,
  payload TEXT NOT NULL,
  payload_summary TEXT NOT NULL,
  raw_id TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (dev_id, user_id, data_type, natural_key)
);
CREATE INDEX records_range ON records (dev_id, user_id, data_type, start_ms);

CREATE TABLE events (
  event_id TEXT PRIMARY KEY,
  dev_id TEXT NOT NULL,
  user_id TEXT,
  type TEXT NOT NULL,
  reference TEXT,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  dispatched INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_undispatched ON events (dispatched, created_ms);
CREATE INDEX events_dev_created ON events (dev_id, created_ms);

CREATE TABLE data_requests (
  reference TEXT PRIMARY KEY,
  dev_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  data_type TEXT NOT NULL,
  start_ms BIGINT,
  end_ms BIGINT,
  with_samples INTEGER NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;
}
