import type { Migration } from '../sql/db.ts';

/**
 * Crash recovery of Apple ingest (issue 10, item 10b): the day buckets whose samples changed
 * are recorded in the transaction that changed them, and cleared by the recompute that
 * used them. A process killed in between leaves them here; they are recomputed at start-up
 * (and by the worker's periodic drain). `mark` changes on every new change of a bucket, so a
 * recompute clears only what it saw.
 */
export const ingestRecovery: Migration = {
  id: 191,
  name: 'ingest-recovery',
  common: `
CREATE TABLE apple_dirty_buckets (
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  bucket TEXT NOT NULL,
  dev_id TEXT NOT NULL,
  mark TEXT NOT NULL,
  marked_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, bucket)
);
CREATE INDEX apple_dirty_buckets_marked ON apple_dirty_buckets (marked_ms);
`,
};
