import type { Migration } from '../sql/db.ts';

/**
 * SQLite only: a covering index for reads with `with_samples=false`.
 *
 * SQLite stores a row's columns in order, and `payload` (with every sample, megabytes for
 * an hour at 1 Hz) comes before `payload_summary`; reading the summary from the table walks
 * the payload's whole overflow-page chain. Serving the summary from this index skips it:
 * a year of 1 Hz activities without samples went from ~330 ms to a few ms (bench/).
 * PostgreSQL keeps large values out of line (TOAST) and caps index entries at ~2.7 kB, so
 * it gets no such index.
 */
export const recordSummaryIndex: Migration = {
  id: 60,
  name: 'record-summary-index',
  sqlite:
    'CREATE INDEX records_summary ON records (dev_id, user_id, data_type, start_ms, natural_key, end_ms, payload_summary);',
  postgres: '',
};
