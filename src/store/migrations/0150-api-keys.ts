import type { Migration } from '../sql/db.ts';

/**
 * Several named API keys per developer (issue 15). Each developer's single key moves into
 * `api_keys` as "default" (same hash: nobody has to change a key), and the old column is
 * blanked so that only `api_keys` can authenticate (an empty hash never matches).
 */
export const apiKeys: Migration = {
  id: 150,
  name: 'api-keys',
  common: `
CREATE TABLE api_keys (
  key_id TEXT PRIMARY KEY,
  dev_id TEXT NOT NULL REFERENCES developers(dev_id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  hint TEXT,
  created_at TEXT NOT NULL,
  rotated_at TEXT,
  last_used_at TEXT
);
CREATE INDEX api_keys_dev ON api_keys (dev_id);
INSERT INTO api_keys (key_id, dev_id, name, key_hash, hint, created_at)
  SELECT 'key_' || dev_id, dev_id, 'default', api_key_hash, NULL, created_at FROM developers;
UPDATE developers SET api_key_hash = '';
`,
};
