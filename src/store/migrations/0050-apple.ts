import type { Migration } from '../sql/db.ts';

/**
 * Apple Health (mobile SDK): single-use connection tokens, per-user SDK secrets (hashed),
 * and every HealthKit sample received, so that a late or out-of-order batch can recompute
 * the days it touches. A sample is unique by its UUID (SDK) and by a 64-bit digest of
 * (type, source, start, end) (`natural_key`): the same sample from an export (which has no
 * UUIDs) and from the SDK is stored once. Rows are clustered by (owner, day bucket) so a
 * day is one range read; the owner key keeps the per-row key small (exports hold millions).
 */
export const apple: Migration = {
  id: 50,
  name: 'apple',
  sqlite: sql({ real: 'REAL', serial: 'INTEGER', withoutRowid: ' WITHOUT ROWID' }),
  postgres: sql({ real: 'DOUBLE PRECISION', serial: 'BIGSERIAL', withoutRowid: '' }),
};

function sql({ real, serial, withoutRowid }: { real: string; serial: string; withoutRowid: string }): string {
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

CREATE TABLE apple_sample_owners (
  owner_key ${serial} PRIMARY KEY,
  dev_id TEXT NOT NULL,
  user_id TEXT NOT NULL UNIQUE REFERENCES users(user_id) ON DELETE CASCADE
);

CREATE TABLE apple_samples (
  owner_key BIGINT NOT NULL REFERENCES apple_sample_owners(owner_key) ON DELETE CASCADE,
  bucket TEXT NOT NULL,
  natural_key BIGINT NOT NULL,
  uuid TEXT,
  type TEXT NOT NULL,
  source_name TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  offset_min INTEGER NOT NULL,
  value ${real},
  text_value TEXT,
  priority INTEGER NOT NULL,
  meta TEXT,
  PRIMARY KEY (owner_key, bucket, natural_key)
)${withoutRowid};
CREATE UNIQUE INDEX apple_samples_uuid ON apple_samples (owner_key, uuid) WHERE uuid IS NOT NULL;
`;
}
