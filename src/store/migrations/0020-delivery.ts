import type { Migration } from '../sql/db.ts';

/**
 * Delivery: destinations (settings in clear, secrets sealed with the SecretBox), one
 * delivery per event × destination with every attempt recorded, the chunk index of
 * large-request events (for `X-Terra-Trace-Id: <id>:chunk:<n>`), and the embedded queue's jobs.
 */
export const delivery: Migration = {
  id: 20,
  name: 'delivery',
  common: `
CREATE TABLE destinations (
  destination_id TEXT PRIMARY KEY,
  dev_id TEXT NOT NULL,
  type TEXT NOT NULL,
  config TEXT NOT NULL,
  secrets_sealed TEXT,
  delivery_mode TEXT NOT NULL,
  event_types TEXT,
  format TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  status_notice TEXT,
  failing_since BIGINT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX destinations_dev ON destinations (dev_id, created_at);

CREATE TABLE deliveries (
  delivery_id TEXT PRIMARY KEY,
  dev_id TEXT NOT NULL,
  destination_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_status_code INTEGER,
  last_error TEXT,
  next_attempt_at BIGINT,
  lease_until BIGINT,
  created_at TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  delivered_at TEXT,
  UNIQUE (destination_id, event_id)
);
CREATE INDEX deliveries_dev_created ON deliveries (dev_id, created_ms, delivery_id);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

CREATE TABLE delivery_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  dev_id TEXT NOT NULL,
  started_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  PRIMARY KEY (delivery_id, attempt)
);

CREATE TABLE event_chunks (
  event_id TEXT PRIMARY KEY,
  dev_id TEXT NOT NULL,
  reference TEXT NOT NULL,
  chunk INTEGER NOT NULL
);

CREATE TABLE jobs (
  job_id TEXT PRIMARY KEY,
  queue TEXT NOT NULL,
  data TEXT NOT NULL,
  run_at BIGINT NOT NULL,
  lease_until BIGINT,
  tries INTEGER NOT NULL DEFAULT 0,
  created_ms BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (queue, run_at);
`,
};
