import type { Migration } from '../sql/db.ts';

/**
 * Fair delivery (issue 10, item 6): a delivery is in the queue (`enqueued_ms` set) or parked
 * (NULL) until its destination has fewer than its cap of deliveries in the queue, so one
 * destination's backlog never fills the queue ahead of everyone else. Deliveries pending
 * before this migration count as queued (their jobs exist).
 */
export const fairDelivery: Migration = {
  id: 192,
  name: 'fair-delivery',
  common: `
ALTER TABLE deliveries ADD COLUMN enqueued_ms BIGINT;
UPDATE deliveries SET enqueued_ms = created_ms WHERE status = 'pending';
CREATE INDEX deliveries_destination_queue ON deliveries (destination_id, status, enqueued_ms);
`,
};
