import type { TerraRecord } from '../../model/data-types.ts';
import type { RawNormalizer } from '../provider.ts';
import {
  normalizeAthlete,
  normalizeDaily,
  normalizeSleep,
  normalizeWorkout,
  type OuraDayBundle,
  type OuraDocument,
} from './oura-normalize.ts';

/**
 * Replay: each raw body Oura polling and webhooks store is exactly what one normalizer
 * reads — a sleep or workout document, personal info, or a day's documents bundled
 * (`OuraDayBundle`) — so the records are rebuilt from it alone.
 */
export const ouraRawNormalizer: RawNormalizer = {
  dataTypes: ['sleep', 'activity', 'daily', 'athlete'],
  normalize(raw) {
    const value: unknown = JSON.parse(raw.body.toString('utf8'));
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new Error(`Oura ${raw.dataType} payload ${raw.externalId} is not a JSON object`);
    let record: TerraRecord | undefined;
    if (raw.dataType === 'sleep') record = normalizeSleep(value as OuraDocument);
    else if (raw.dataType === 'activity') record = normalizeWorkout(value as OuraDocument);
    else if (raw.dataType === 'athlete') record = normalizeAthlete(value as OuraDocument);
    else if (raw.dataType === 'daily') record = normalizeDaily(value as OuraDayBundle);
    return Promise.resolve(record ? [record] : []);
  },
};
