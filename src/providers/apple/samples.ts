import type { AppleSampleRow } from '../../store/index.ts';
import { SLEEP_TYPE } from './hk-types.ts';
import { localDate } from './units.ts';

/**
 * One HealthKit sample as kept in `apple_samples`, whichever way it arrived (SDK batch or
 * export). `value` is in the canonical unit of its type (see hk-types.ts); category samples
 * carry their value name in `textValue`.
 */
export type SampleRow = AppleSampleRow;

const NOON_SHIFT_MS = 12 * 3600_000;

/**
 * Sleep samples are grouped by night: the local date of (start − 12 h), so a night that
 * starts at 23:00 or at 01:00 lands in the same group; groups end at local noon.
 */
export function bucketFor(type: string, startMs: number, offsetMin: number): string {
  if (type === SLEEP_TYPE) return `sleep:${localDate(startMs - NOON_SHIFT_MS, offsetMin)}`;
  return localDate(startMs, offsetMin);
}

export const isSleepBucket = (bucket: string): boolean => bucket.startsWith('sleep:');
