import type { Migration } from '../sql/db.ts';

/**
 * Quarantine per event (issue 10, Low): an event the dispatcher fails on again and again
 * (a damaged row, a destination listing that cannot be read) leaves the outbox after a few
 * passes (`dispatched = 2`, with the last error) instead of being retried at the head of the
 * outbox forever, where enough of them stop dispatch for every tenant.
 */
export const eventQuarantine: Migration = {
  id: 196,
  name: 'event-quarantine',
  common: `
ALTER TABLE events ADD COLUMN dispatch_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN dispatch_error TEXT;
`,
};
