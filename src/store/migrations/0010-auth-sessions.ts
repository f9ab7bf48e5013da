import type { Migration } from '../sql/db.ts';

/**
 * Hosted connect flow (src/auth/): single-use login links and widget sessions. Only a
 * SHA-256 of the link secret is stored, so a database dump cannot replay a link.
 */
export const authSessions: Migration = {
  id: 10,
  name: 'auth-sessions',
  common: `
CREATE TABLE auth_sessions (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  dev_id TEXT NOT NULL,
  user_id TEXT,
  provider TEXT,
  providers TEXT,
  reference_id TEXT,
  success_url TEXT,
  failure_url TEXT,
  language TEXT,
  widget_session_id TEXT,
  expires_ms BIGINT NOT NULL,
  used_ms BIGINT,
  created_at TEXT NOT NULL
);
CREATE INDEX auth_sessions_dev_user ON auth_sessions (dev_id, user_id);
CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_ms);
`,
};
