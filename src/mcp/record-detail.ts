import type { DataType, TerraRecord } from '../model/data-types.ts';
import { isSampleKey } from '../model/samples.ts';
import type { User } from '../store/store.ts';
import { citationOf, fitAnswer } from './answer.ts';
import { MCP_LIMITS } from './limits.ts';

/** One sample series of a record, averaged into buckets of `resolution_seconds`. */
export interface Series {
  /** Where the series sits in the record (`heart_rate_data.detailed.hr_samples`). */
  path: string;
  original_count: number;
  /** The bucket width used: the one asked for, or wider so the series fits `max_points`. */
  resolution_seconds: number | null;
  points: Record<string, unknown>[];
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * One record in detail: its summary fields, and every sample series downsampled to the
 * requested resolution (numeric fields averaged per bucket), within the answer's byte bound.
 * When the answer would be too large, series get fewer points, then the largest summary
 * fields (a route polyline) are left out, each named under `omitted_fields`.
 */
export function recordDetail(
  type: DataType,
  record: TerraRecord,
  user: User,
  options: { resolutionSeconds: number; maxPoints: number },
): Record<string, unknown> {
  const raw: { path: string; items: unknown[] }[] = [];
  const summary = stripSeries(record, '', raw) as Record<string, unknown>;
  const omittedFields: string[] = [];
  // The summary fields may take at most half the budget; the largest go first.
  while (bytes(summary) > MCP_LIMITS.maxAnswerBytes / 2) {
    const largest = Object.keys(summary)
      .filter((key) => key !== 'metadata')
      .sort((a, b) => bytes(summary[b]) - bytes(summary[a]))[0];
    if (!largest) break;
    delete summary[largest];
    omittedFields.push(largest);
  }
  let maxPoints = options.maxPoints;
  for (;;) {
    const samples = raw.map((s) => downsample(s.path, s.items, options.resolutionSeconds, maxPoints));
    const answer = {
      data_type: type,
      citation: citationOf(type, record, user),
      record: summary,
      ...(omittedFields.length ? { omitted_fields: omittedFields } : {}),
      samples,
    };
    if (bytes(answer) <= MCP_LIMITS.maxAnswerBytes || maxPoints <= 10) return fitAnswer(answer, ['samples']);
    maxPoints = Math.max(10, Math.floor(maxPoints / 2));
  }
}

/** A copy of `value` without its sample arrays, which are collected into `out` with their paths. */
function stripSeries(value: unknown, path: string, out: { path: string; items: unknown[] }[]): unknown {
  if (Array.isArray(value)) return value.map((item, i) => stripSeries(item, `${path}.${i}`, out));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (Array.isArray(child) && isSampleKey(key)) {
      if (child.length > 0) out.push({ path: childPath, items: child });
      continue;
    }
    copy[key] = stripSeries(child, childPath, out);
  }
  return copy;
}

/** Milliseconds of a sample: its `timestamp`, else its offset `timer_duration_seconds`. */
function timeOf(item: unknown): number | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  const sample = item as Record<string, unknown>;
  if (typeof sample.timestamp === 'string') {
    const ms = Date.parse(sample.timestamp);
    if (Number.isFinite(ms)) return ms;
  }
  if (typeof sample.timestamp === 'number' && Number.isFinite(sample.timestamp)) return sample.timestamp * 1000;
  if (typeof sample.timer_duration_seconds === 'number' && Number.isFinite(sample.timer_duration_seconds))
    return sample.timer_duration_seconds * 1000;
  return undefined;
}

export function downsample(
  path: string,
  items: readonly unknown[],
  resolutionSeconds: number,
  maxPoints: number,
): Series {
  const timed = items
    .map((item) => ({ item, ms: timeOf(item) }))
    .filter((s): s is { item: unknown; ms: number } => s.ms !== undefined)
    .sort((a, b) => a.ms - b.ms);
  if (timed.length === 0 || timed.length < items.length / 2) {
    // No usable clock: keep every k-th sample.
    const step = Math.max(1, Math.ceil(items.length / maxPoints));
    return {
      path,
      original_count: items.length,
      resolution_seconds: null,
      points: items.filter((_, i) => i % step === 0).map(primitiveFields),
    };
  }
  const first = timed[0].ms;
  // Offsets (timer_duration_seconds) are not instants: answer them as offsets.
  const absolute = timed.every(({ item }) => (item as Record<string, unknown>).timestamp !== undefined);
  const span = timed.at(-1)!.ms - first;
  const widthMs = Math.max(resolutionSeconds * 1000, Math.ceil((span + 1) / maxPoints / 1000) * 1000);
  const buckets = new Map<number, Record<string, unknown>[]>();
  for (const { item, ms } of timed) {
    const index = Math.floor((ms - first) / widthMs);
    const bucket = buckets.get(index);
    if (bucket) bucket.push(primitiveFields(item));
    else buckets.set(index, [primitiveFields(item)]);
  }
  const points = [...buckets].map(([index, samples]) => ({
    ...average(samples),
    ...(absolute
      ? { timestamp: new Date(first + index * widthMs).toISOString() }
      : { offset_seconds: (first + index * widthMs) / 1000 }),
    ...(samples.length > 1 ? { samples: samples.length } : {}),
  }));
  return { path, original_count: items.length, resolution_seconds: widthMs / 1000, points };
}

function primitiveFields(item: unknown): Record<string, unknown> {
  if (item === null || typeof item !== 'object') return { value: item };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) if (value === null || typeof value !== 'object') out[key] = value;
  return out;
}

/** Numeric fields averaged, the others taken from the first sample of the bucket. */
function average(samples: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...samples[0] };
  for (const key of Object.keys(out)) {
    const numbers = samples.map((s) => s[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (numbers.length > 0 && key !== 'timer_duration_seconds')
      out[key] = Math.round((numbers.reduce((a, b) => a + b, 0) / numbers.length) * 1000) / 1000;
  }
  return out;
}
