import type { Migration } from '../sql/db.ts';

/**
 * Deleting a user deletes its events with their deliveries (issue 10, item 5): both are found
 * by index, not by scanning the outbox and the delivery log.
 */
export const userErasure: Migration = {
  id: 190,
  name: 'user-erasure',
  common: `
CREATE INDEX events_dev_user ON events (dev_id, user_id);
CREATE INDEX deliveries_event ON deliveries (event_id);
`,
};
