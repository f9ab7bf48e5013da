import type { ProviderBudgetRepo } from '../store.ts';
import type { Db } from './db.ts';

/**
 * Provider request budgets. `take` is one conditional upsert: the row of (provider, window)
 * is created or incremented only while the limits allow, so concurrent processes can never
 * count past them (PostgreSQL locks the conflicting row and re-checks the condition on its
 * newest version; SQLite runs one writer at a time).
 */
export function providerBudgetRepo(db: Db): ProviderBudgetRepo {
  return {
    async take(name, lane, windowStart, limits) {
      const total = Math.floor(limits.total);
      const backfill = Math.min(total, Math.floor(limits.backfill));
      if (total < 1 || (lane === 'backfill' && backfill < 1)) return false;
      const column = lane === 'live' ? 'live_used' : 'backfill_used';
      const laneCheck = lane === 'backfill' ? ` AND provider_budgets.backfill_used < ${backfill}` : '';
      const row = await db.get<{ used: number | string }>(
        `INSERT INTO provider_budgets (name, window_start, live_used, backfill_used) VALUES (?, ?, ?, ?)
         ON CONFLICT (name, window_start) DO UPDATE SET ${column} = provider_budgets.${column} + 1
         WHERE provider_budgets.live_used + provider_budgets.backfill_used < ${total}${laneCheck}
         RETURNING ${column} AS used`,
        [name, windowStart, lane === 'live' ? 1 : 0, lane === 'backfill' ? 1 : 0],
      );
      return row !== undefined;
    },
    async used(name, windowStart) {
      const row = await db.get<{ live_used: number | string; backfill_used: number | string }>(
        'SELECT live_used, backfill_used FROM provider_budgets WHERE name = ? AND window_start = ?',
        [name, windowStart],
      );
      return { live: Number(row?.live_used ?? 0), backfill: Number(row?.backfill_used ?? 0) };
    },
    async block(name, untilMs) {
      await db.run(
        `INSERT INTO provider_rate_blocks (name, until_ms) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET until_ms = CASE WHEN excluded.until_ms > provider_rate_blocks.until_ms
           THEN excluded.until_ms ELSE provider_rate_blocks.until_ms END`,
        [name, Math.floor(untilMs)],
      );
    },
    async blockedUntil(name) {
      const row = await db.get<{ until_ms: number | string }>(
        'SELECT until_ms FROM provider_rate_blocks WHERE name = ?',
        [name],
      );
      return row ? Number(row.until_ms) : null;
    },
    async sweep(name, beforeMs) {
      await db.run('DELETE FROM provider_budgets WHERE name = ? AND window_start < ?', [name, beforeMs]);
    },
  };
}
