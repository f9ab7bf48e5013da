import type { SampleRow } from './samples.ts';

/**
 * Source precedence for cumulative metrics (HealthKit's own statistics merge the same way):
 * sources are ranked (tier desc, then source name), and each sample counts only for the
 * fraction of its interval not already covered by samples of higher-ranked sources. An
 * instantaneous sample (start = end) counts fully unless its instant is covered.
 *
 * So an iPhone and a Watch counting the same walk give the Watch's steps once, and the
 * iPhone's steps still count for the hours the Watch was off the wrist.
 */
export function precedenceSum(rows: readonly SampleRow[]): number {
  const bySource = new Map<string, SampleRow[]>();
  for (const row of rows) {
    if (row.value === null) continue;
    const list = bySource.get(row.sourceName);
    if (list) list.push(row);
    else bySource.set(row.sourceName, [row]);
  }
  const ranked = [...bySource.entries()].sort(
    ([nameA, a], [nameB, b]) => b[0].priority - a[0].priority || (nameA < nameB ? -1 : nameA > nameB ? 1 : 0),
  );
  let covered: Interval[] = [];
  let total = 0;
  for (const [, samples] of ranked) {
    for (const sample of samples) {
      const duration = sample.endMs - sample.startMs;
      if (duration <= 0) {
        if (!isCovered(covered, sample.startMs)) total += sample.value!;
        continue;
      }
      const overlap = overlapLength(covered, sample.startMs, sample.endMs);
      total += (sample.value! * (duration - overlap)) / duration;
    }
    covered = merge([
      ...covered,
      ...samples.filter((s) => s.endMs > s.startMs).map((s): Interval => [s.startMs, s.endMs]),
    ]);
  }
  return total;
}

type Interval = [number, number];

/** Sorts and merges intervals into disjoint ones. */
export function merge(intervals: Interval[]): Interval[] {
  const sorted = intervals.sort((a, b) => a[0] - b[0]);
  const out: Interval[] = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

/** Total length of [start, end) covered by the disjoint sorted `covered` intervals. */
export function overlapLength(covered: readonly Interval[], start: number, end: number): number {
  let total = 0;
  for (let i = firstEndingAfter(covered, start); i < covered.length; i++) {
    const [a, b] = covered[i];
    if (a >= end) break;
    total += Math.min(b, end) - Math.max(a, start);
  }
  return total;
}

function isCovered(covered: readonly Interval[], at: number): boolean {
  const i = firstEndingAfter(covered, at);
  const interval = covered[i];
  return interval !== undefined && interval[0] <= at;
}

/** Index of the first interval whose end is after `at` (binary search). */
function firstEndingAfter(covered: readonly Interval[], at: number): number {
  let lo = 0;
  let hi = covered.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (covered[mid][1] <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
