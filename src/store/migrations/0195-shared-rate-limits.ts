import type { Migration } from '../sql/db.ts';

/**
 * Rate limits shared by every process of a deployment (issue 10, item 11): one window per
 * (limit, key), counted in the store, so two app instances behind a balancer enforce one
 * budget instead of one each.
 */
export const sharedRateLimits: Migration = {
  id: 195,
  name: 'shared-rate-limits',
  common: `
CREATE TABLE rate_limit_hits (
  name TEXT NOT NULL,
  rate_key TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  hits INTEGER NOT NULL,
  PRIMARY KEY (name, rate_key)
);
CREATE INDEX rate_limit_hits_window ON rate_limit_hits (window_start);
`,
};
