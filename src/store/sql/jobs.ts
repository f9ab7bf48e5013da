import type { JobRepo } from '../store.ts';
import type { Db } from './db.ts';

/** Rows are keyed `queue:id`, so one id may be used by two queues. */
const key = (queue: string, id: string) => `${queue}:${id}`;

export function jobRepo(db: Db): JobRepo {
  return {
    async add(queue, jobs, now) {
      await db.transaction(async (tx) => {
        for (const job of jobs) {
          await tx.run(
            'INSERT INTO jobs (job_id, queue, data, run_at, lease_until, tries, created_ms) VALUES (?, ?, ?, ?, NULL, 0, ?) ON CONFLICT (job_id) DO NOTHING',
            [key(queue, job.id), queue, JSON.stringify(job.data), job.runAt, now],
          );
        }
      });
    },

    async claim(queue, limit, now, leaseMs) {
      return db.transaction(async (tx) => {
        // PostgreSQL: workers skip each other's rows; SQLite serializes writers anyway.
        const lock = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
        const rows = await tx.all<{ job_id: string; data: string }>(
          `SELECT job_id, data FROM jobs WHERE queue = ? AND run_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY run_at LIMIT ?${lock}`,
          [queue, now, now, limit],
        );
        for (const row of rows)
          await tx.run('UPDATE jobs SET lease_until = ?, tries = tries + 1 WHERE job_id = ?', [
            now + leaseMs,
            row.job_id,
          ]);
        return rows.map((row) => ({
          id: row.job_id.slice(queue.length + 1),
          data: JSON.parse(row.data) as Record<string, unknown>,
        }));
      });
    },

    async complete(queue, id) {
      await db.run('DELETE FROM jobs WHERE job_id = ?', [key(queue, id)]);
    },

    async retryAt(queue, id, runAt) {
      await db.run('UPDATE jobs SET lease_until = NULL, run_at = ? WHERE job_id = ?', [runAt, key(queue, id)]);
    },

    async pending(queue) {
      const row = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM jobs WHERE queue = ?', [queue]);
      return Number(row?.n ?? 0);
    },
  };
}
