import type { Migration } from '../sql/db.ts';

/**
 * Apple Health (mobile SDK): single-use connection tokens, per-user SDK secrets (hashed),
 * and every HealthKit sample received, keyed by its UUID, so that a late or out-of-order
 * batch can recompute the days it touches. Samples are also unique by
 * (type, source, start, end): the same sample arriving from an export (no UUID) and from
 * the SDK is stored once.
 */
export const apple: Migration = {
  id: 50,
  name: 'apple',
  sqlite: sql('REAL'),
  postgres: sql('DOUBLE PRECISION'),
};

function sql(real: string): string {
  return `
CREATE TABLE apple_sdk_tokens (
  token_hash TEXT PRIMARY KEY,
  dev_id TEXT NOT NULL REFERENCES developers(dev_id) ON DELETE CASCADE,
  expires_ms BIGINT NOT NULL,
  used_ms BIGINT,
  created_at TEXT NOT NULL
);

CREATE TABLE apple_sdk_credentials (
  user_id TEXT PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
  dev_id TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE apple_samples (
  dev_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  uuid TEXT NOT NULL,
  type TEXT NOT NULL,
  source_name TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  offset_min INTEGER NOT NULL,
  bucket TEXT NOT NULL,
  value ${real},
  text_value TEXT,
  priority INTEGER NOT NULL,
  meta TEXT,
  PRIMARY KEY (dev_id, user_id, uuid),
  UNIQUE (dev_id, user_id, type, source_name, start_ms, end_ms)
);
CREATE INDEX apple_samples_bucket ON apple_samples (dev_id, user_id, bucket);
`;
}
