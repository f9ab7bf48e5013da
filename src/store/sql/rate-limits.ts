import type { RateLimitRepo } from '../store.ts';
import type { Db } from './db.ts';

/**
 * Hit counters shared across processes, one window per (limit, key) that starts at its first
 * hit. `hit` is one upsert returning the new count (PostgreSQL locks the conflicting row,
 * SQLite runs one writer at a time; SET reads the row as it was), so concurrent processes
 * never lose a hit nor reset a window twice.
 */
export function rateLimitRepo(db: Db): RateLimitRepo {
  return {
    async hit(name, key, now, windowMs) {
      const expired = now - windowMs;
      const row = await db.get<{ hits: number | string; window_start: number | string }>(
        `INSERT INTO rate_limit_hits (name, rate_key, window_start, hits) VALUES (?, ?, ?, 1)
         ON CONFLICT (name, rate_key) DO UPDATE SET
           hits = CASE WHEN rate_limit_hits.window_start <= ? THEN 1 ELSE rate_limit_hits.hits + 1 END,
           window_start = CASE WHEN rate_limit_hits.window_start <= ? THEN ? ELSE rate_limit_hits.window_start END
         RETURNING hits, window_start`,
        [name, key, now, expired, expired, now],
      );
      return { hits: Number(row?.hits ?? 1), windowStart: Number(row?.window_start ?? now) };
    },
    async sweep(beforeMs) {
      await db.run('DELETE FROM rate_limit_hits WHERE window_start < ?', [beforeMs]);
    },
  };
}
