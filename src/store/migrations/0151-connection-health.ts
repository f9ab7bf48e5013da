import type { Migration } from '../sql/db.ts';

/**
 * Connection health (issue 15): when a `connection_stale` event went out for a user, so that
 * one stale period announces itself once (cleared when the connection is healthy again).
 */
export const connectionHealth: Migration = {
  id: 151,
  name: 'connection-health',
  common: `
CREATE TABLE connection_stale_notices (
  user_id TEXT PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
  dev_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  notified_at TEXT NOT NULL
);
`,
};
