import type { Migration } from '../sql/db.ts';

/**
 * Hosted links (issue 10, item 11): failed password attempts per login link (at most 5 per
 * pending user, then the link is spent), and the one user a widget session created per
 * provider (choosing the same provider again reuses it instead of creating another).
 */
export const hostedLinkLimits: Migration = {
  id: 180,
  name: 'hosted-link-limits',
  common: `
ALTER TABLE auth_sessions ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
CREATE TABLE widget_choices (
  widget_session_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  dev_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (widget_session_id, provider)
);
`,
};
