import type { ApiContext } from '../api/context.ts';
import { recordWindow, type TerraRecord } from '../model/data-types.ts';
import type { User } from '../store/store.ts';
import { citationOf, fitAnswer, type Citation } from './answer.ts';
import { DAY_MS, MCP_LIMITS } from './limits.ts';
import {
  dayValues,
  round,
  summarizeMetrics,
  type MetricSummary,
  type MetricValue,
  type SummaryType,
} from './metrics.ts';
import type { Principal } from './principal.ts';
import { day, describePeriod, recordInGrantPeriod, type Period } from './scope.ts';

export interface PeriodRecords {
  records: TerraRecord[];
  /** More records than `maxRecords` fell in the period: the summary covers the first ones. */
  truncated: boolean;
  warning?: string;
}

/**
 * The user's records of `type` overlapping the period, without samples, through the store's
 * read path (GET /v2/{type} uses the same). A grant sees only records lying wholly inside its
 * period, so a night that began before the grant's first day is not read.
 */
export async function readPeriod(
  ctx: ApiContext,
  principal: Principal,
  user: User,
  type: SummaryType,
  period: Period,
): Promise<PeriodRecords> {
  let warning: string | undefined;
  if (ctx.history) {
    try {
      await ctx.history.ensureSynced(user, type, period);
    } catch (error) {
      ctx.logger.warn('mcp: provider sync before a read failed', { userId: user.userId, type, error });
      warning = 'The provider could not be reached just now: the answer uses the data stored so far.';
    }
  }
  const rows = await ctx.store.records.listJson(user.devId, user.userId, type, {
    startMs: period.startMs,
    endMs: period.endMs,
    withSamples: false,
    limit: MCP_LIMITS.maxRecords + 1,
  });
  const records = rows
    .map((row) => JSON.parse(row) as TerraRecord)
    .filter((record) => recordInGrantPeriod(principal, windowMs(type, record)));
  const truncated = records.length > MCP_LIMITS.maxRecords;
  return { records: records.slice(0, MCP_LIMITS.maxRecords), truncated, ...(warning ? { warning } : {}) };
}

export function windowMs(type: SummaryType, record: TerraRecord): { startMs?: number; endMs?: number } {
  const window = recordWindow(type, record);
  const startMs = window.start ? Date.parse(window.start) : Number.NaN;
  const endMs = window.end ? Date.parse(window.end) : Number.NaN;
  return {
    ...(Number.isFinite(startMs) ? { startMs } : {}),
    ...(Number.isFinite(endMs) ? { endMs } : {}),
  };
}

export interface PeriodSummary {
  user_id: string;
  data_type: SummaryType;
  period: { start_date: string; end_date: string; days: number };
  record_count: number;
  metrics: Record<string, MetricSummary>;
  days: { date: string; records: number; values: Record<string, MetricValue> }[];
  records: Citation[];
  truncated?: string;
  warning?: string;
}

/** A period's summary: metrics over the period, one line per day, and the records it used. */
export function summarizePeriod(user: User, type: SummaryType, period: Period, read: PeriodRecords): PeriodSummary {
  const days = Math.round((period.endMs - period.startMs) / DAY_MS) || 1;
  const byDay = new Map<string, TerraRecord[]>();
  for (const record of read.records) {
    // The record's own calendar day, as written (the provider's local date), like Terra's daily keys.
    const start = recordWindow(type, record).start ?? '';
    const date = /^\d{4}-\d{2}-\d{2}/.test(start) ? start.slice(0, 10) : 'undated';
    byDay.set(date, [...(byDay.get(date) ?? []), record]);
  }
  return {
    user_id: user.userId,
    data_type: type,
    period: { start_date: day(period.startMs), end_date: day(period.endMs - 1), days },
    record_count: read.records.length,
    metrics: summarizeMetrics(type, read.records, days),
    days: [...byDay].map(([date, records]) => ({ date, records: records.length, values: dayValues(type, records) })),
    records: read.records.map((record) => citationOf(type, record, user)),
    ...(read.truncated
      ? {
          truncated: `more than ${MCP_LIMITS.maxRecords} records fell in ${describePeriod(period)}: the summary covers the first ${MCP_LIMITS.maxRecords}; ask for a shorter period`,
        }
      : {}),
    ...(read.warning ? { warning: read.warning } : {}),
  };
}

/** The summary tool's answer, bounded in bytes (days go first, then citations). */
export function summaryAnswer(summary: PeriodSummary) {
  return fitAnswer({ ...summary }, ['days', 'records']);
}

export interface MetricChange {
  unit?: string;
  /** What is compared: `per_day` for totals (periods may differ in length), else `mean` or `last`. */
  compared: 'per_day' | 'mean' | 'last';
  a?: MetricValue;
  b?: MetricValue;
  change?: number;
  change_percent?: number;
}

/** Period B against period A, metric by metric. */
export function comparePeriods(
  a: PeriodSummary,
  b: PeriodSummary,
): { metrics: Record<string, MetricChange>; answer: Record<string, unknown> } {
  const names = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])];
  const metrics: Record<string, MetricChange> = {};
  for (const name of names) {
    const left = a.metrics[name];
    const right = b.metrics[name];
    const sample = left ?? right;
    const compared = sample.per_day !== undefined ? 'per_day' : sample.mean !== undefined ? 'mean' : 'last';
    const valueA = left?.[compared];
    const valueB = right?.[compared];
    const change: MetricChange = { ...(sample.unit ? { unit: sample.unit } : {}), compared, a: valueA, b: valueB };
    if (typeof valueA === 'number' && typeof valueB === 'number') {
      change.change = round(valueB - valueA);
      if (valueA !== 0) change.change_percent = round(((valueB - valueA) / Math.abs(valueA)) * 100);
    }
    metrics[name] = change;
  }
  const answer = fitAnswer(
    {
      user_id: a.user_id,
      data_type: a.data_type,
      period_a: { ...a.period, record_count: a.record_count },
      period_b: { ...b.period, record_count: b.record_count },
      metrics,
      ...(a.truncated || b.truncated ? { truncated: [a.truncated, b.truncated].filter(Boolean).join('; ') } : {}),
      ...(a.warning || b.warning ? { warning: a.warning ?? b.warning } : {}),
      records_a: a.records,
      records_b: b.records,
    },
    ['records_b', 'records_a'],
  );
  return { metrics, answer };
}
