import type { Migration } from '../sql/db.ts';

/**
 * The MCP server (src/mcp/): user grants and the audit log of tool calls.
 *
 * A grant's bearer token and its consent-link secret are stored only as SHA-256 hashes, so
 * a database dump can neither call tools nor approve a pending grant. `data_types` is a JSON
 * array (NULL: every type); `start_ms`/`end_ms` bound the period (NULL: unbounded).
 */
export const mcp: Migration = {
  id: 170,
  name: 'mcp',
  common: `
CREATE TABLE mcp_grants (
  grant_id TEXT PRIMARY KEY,
  dev_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  created_via TEXT NOT NULL,
  token_hash TEXT UNIQUE,
  consent_hash TEXT UNIQUE,
  data_types TEXT,
  start_ms BIGINT,
  end_ms BIGINT,
  expires_in_seconds BIGINT NOT NULL,
  expires_ms BIGINT,
  consent_expires_ms BIGINT,
  redirect_url TEXT,
  created_at TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  approved_at TEXT,
  revoked_at TEXT
);
CREATE INDEX mcp_grants_dev_user ON mcp_grants (dev_id, user_id);
CREATE INDEX mcp_grants_dev_created ON mcp_grants (dev_id, created_ms);
CREATE TABLE mcp_audit (
  audit_id TEXT PRIMARY KEY,
  dev_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  grant_id TEXT,
  tool TEXT NOT NULL,
  user_id TEXT,
  start_ms BIGINT,
  end_ms BIGINT,
  record_count INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  message TEXT,
  created_at TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX mcp_audit_dev_created ON mcp_audit (dev_id, created_ms, audit_id);
CREATE INDEX mcp_audit_dev_user ON mcp_audit (dev_id, user_id, created_ms);
CREATE INDEX mcp_audit_dev_grant ON mcp_audit (dev_id, grant_id, created_ms);
`,
};
