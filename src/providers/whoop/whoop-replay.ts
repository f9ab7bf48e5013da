import type { TerraRecord } from '../../model/data-types.ts';
import type { RawNormalizer } from '../provider.ts';
import {
  normalizeBody,
  normalizeCycle,
  normalizeProfile,
  normalizeSleep,
  normalizeWorkout,
  type WhoopBodyObservation,
  type WhoopCycleBundle,
  type WhoopDocument,
} from './whoop-normalize.ts';

/**
 * Replay: each raw body WHOOP polling and webhooks store is exactly what one normalizer
 * reads — a sleep or workout document, the profile, a cycle with its recovery
 * (`WhoopCycleBundle`), or a body measurement with its day — so records are rebuilt from it alone.
 */
export const whoopRawNormalizer: RawNormalizer = {
  dataTypes: ['daily', 'sleep', 'activity', 'body', 'athlete'],
  normalize(raw) {
    const value: unknown = JSON.parse(raw.body.toString('utf8'));
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new Error(`WHOOP ${raw.dataType} payload ${raw.externalId} is not a JSON object`);
    let record: TerraRecord | undefined;
    if (raw.dataType === 'daily') record = normalizeCycle(value as WhoopCycleBundle);
    else if (raw.dataType === 'sleep') record = normalizeSleep(value as WhoopDocument);
    else if (raw.dataType === 'activity') record = normalizeWorkout(value as WhoopDocument);
    else if (raw.dataType === 'body') record = normalizeBody(value as WhoopBodyObservation);
    else if (raw.dataType === 'athlete') record = normalizeProfile(value as WhoopDocument);
    return Promise.resolve(record ? [record] : []);
  },
};
