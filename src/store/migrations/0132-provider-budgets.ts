import type { Migration } from '../sql/db.ts';

/**
 * Rate-limit budgets of provider applications (issue 13 item 4), shared by every process of
 * the deployment: requests counted per provider and fixed window, split into a live lane and a
 * backfill lane; and the time until which nobody may call a provider after it answered 429.
 */
export const providerBudgets: Migration = {
  id: 132,
  name: 'provider-budgets',
  sqlite: sql(),
  postgres: sql(),
};

function sql(): string {
  return `
CREATE TABLE provider_budgets (
  name TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  live_used INTEGER NOT NULL DEFAULT 0,
  backfill_used INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (name, window_start)
);

CREATE TABLE provider_rate_blocks (
  name TEXT PRIMARY KEY,
  until_ms BIGINT NOT NULL
);
`;
}
