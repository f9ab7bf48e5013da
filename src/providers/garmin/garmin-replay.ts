import type { TerraRecord } from '../../model/data-types.ts';
import type { RawNormalizer } from '../provider.ts';
import {
  normalizeActivity,
  normalizeBody,
  normalizeDay,
  normalizeMenstruation,
  normalizeSleep,
  type GarminActivityBundle,
  type GarminBodyBundle,
  type GarminDayBundle,
  type GarminSummary,
} from './garmin-normalize.ts';

/**
 * Replay: each raw body Garmin notifications leave is exactly what one normalizer reads —
 * a day's bundle (`daily:<date>`), an activity with its details (`activity:<id>`), a day's
 * body measurements (`body:<date>`), or a sleep or mct summary — so records are rebuilt from it alone.
 */
export const garminRawNormalizer: RawNormalizer = {
  dataTypes: ['daily', 'sleep', 'activity', 'body', 'menstruation'],
  normalize(raw) {
    const value: unknown = JSON.parse(raw.body.toString('utf8'));
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new Error(`Garmin ${raw.dataType} payload ${raw.externalId} is not a JSON object`);
    let record: TerraRecord | undefined;
    if (raw.dataType === 'daily') record = normalizeDay(value as GarminDayBundle);
    else if (raw.dataType === 'sleep') record = normalizeSleep(value as GarminSummary);
    else if (raw.dataType === 'activity') record = normalizeActivity(value as GarminActivityBundle);
    else if (raw.dataType === 'body') record = normalizeBody(value as GarminBodyBundle);
    else if (raw.dataType === 'menstruation') record = normalizeMenstruation(value as GarminSummary);
    return Promise.resolve(record ? [record] : []);
  },
};
