import { ACTIVITY_SUMMARY_TYPE } from '../hk-types.ts';
import type { SampleRow } from '../samples.ts';
import { formatLocal, localMidnightMs } from '../units.ts';

/** Terra's day window: local midnight to the next, in the offset the day's first sample was recorded in. */
export function dayMetadata(
  date: string,
  rows: readonly SampleRow[],
): { start_time: string; end_time: string; timestamp_localization: number } {
  // An activity summary has no time of its own: take the offset from a real sample when there is one.
  const offsetMin =
    (firstByStart(rows.filter((row) => row.type !== ACTIVITY_SUMMARY_TYPE)) ?? firstByStart(rows))?.offsetMin ?? 0;
  const start = localMidnightMs(date, offsetMin);
  return {
    start_time: formatLocal(start, offsetMin),
    end_time: formatLocal(start + 86_400_000, offsetMin),
    timestamp_localization: 1,
  };
}

export function firstByStart(rows: readonly SampleRow[]): SampleRow | undefined {
  let first: SampleRow | undefined;
  for (const row of rows) if (!first || row.startMs < first.startMs) first = row;
  return first;
}

export function ofType(rows: readonly SampleRow[], type: string): SampleRow[] {
  return rows
    .filter((row) => row.type === type && row.value !== null)
    .sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
}

export const timestamp = (row: SampleRow): string => formatLocal(row.startMs, row.offsetMin);

/** Rounds away floating-point noise from unit conversions and pro-rating (6 significant decimals). */
export function round(value: number, decimals = 6): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export function average(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Drops undefined members and objects left empty, so absent series stay absent (never zeros). */
export function compact<T extends Record<string, unknown>>(object: T): T | undefined {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0)
      continue;
    out[key] = value;
  }
  return Object.keys(out).length === 0 ? undefined : (out as T);
}

export function minMax(values: readonly number[]): { min?: number; max?: number } {
  if (values.length === 0) return {};
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
