import type { TerraRecord } from './data-types.ts';

/**
 * Keys holding sample series (arrays of timestamped *Sample objects in Terra's model).
 * With `with_samples=false`, Terra omits them; summaries, laps, meals, zones stay.
 */
const SAMPLE_ARRAY_KEYS = new Set(['ecg_signal', 'menstruation_flow', 'daily_patterns']);

export function isSampleKey(key: string): boolean {
  return key.includes('samples') || SAMPLE_ARRAY_KEYS.has(key);
}

/** A deep copy of `record` without its sample arrays. */
export function withoutSamples(record: TerraRecord): TerraRecord {
  return strip(record) as TerraRecord;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (Array.isArray(child) && isSampleKey(key)) continue;
    out[key] = strip(child);
  }
  return out;
}
