import type { Migration } from '../sql/db.ts';

/**
 * Events created within the same millisecond came back in random (event id) order; a
 * per-process monotonic sequence keeps them in insertion order.
 */
export const eventOrder: Migration = {
  id: 2,
  name: 'event-order',
  common: 'ALTER TABLE events ADD COLUMN created_seq BIGINT NOT NULL DEFAULT 0',
};
