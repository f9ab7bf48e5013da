import { isTributaryError } from '../../core/errors.ts';
import type { BackfillRequests, WithAccess } from '../provider.ts';
import type { GarminClient } from './garmin-client.ts';

const DAY_S = 86_400;

/**
 * Garmin's backfill paths and the longest range one request may ask for (Health API §8,
 * Activity API §8, Women's Health API: 90 days; activities and their details: 30). Ranges
 * are by recording time; Garmin answers 202 and later sends the data through the normal
 * push/ping notifications, as if newly synced.
 */
export const BACKFILL_TYPES: readonly { path: string; maxDays: number }[] = [
  { path: 'dailies', maxDays: 90 },
  { path: 'epochs', maxDays: 90 },
  { path: 'sleeps', maxDays: 90 },
  { path: 'stressDetails', maxDays: 90 },
  { path: 'pulseOx', maxDays: 90 },
  { path: 'userMetrics', maxDays: 90 },
  { path: 'hrv', maxDays: 90 },
  { path: 'bodyComps', maxDays: 90 },
  { path: 'bloodPressures', maxDays: 90 },
  { path: 'activities', maxDays: 30 },
  { path: 'activityDetails', maxDays: 30 },
  { path: 'mct', maxDays: 90 },
];

/**
 * Backfill requests, one per summary type and range chunk. 409 (Garmin already processed
 * this range) is success: asking again is harmless. 403 (no HISTORICAL_DATA_EXPORT, or the
 * type's permission withdrawn) and 412 (the user switched the type off) skip that type.
 */
export function garminBackfill(client: GarminClient, backfillDays: number): BackfillRequests {
  return {
    backfillDays,
    async request(withAccess: WithAccess, window) {
      const end = Math.floor(window.untilMs / 1000);
      const start = Math.floor(window.sinceMs / 1000);
      for (const { path, maxDays } of BACKFILL_TYPES) {
        for (let chunkEnd = end; chunkEnd > start; chunkEnd -= maxDays * DAY_S) {
          const chunkStart = Math.max(start, chunkEnd - maxDays * DAY_S);
          try {
            await withAccess((tokens) =>
              client.request(tokens.accessToken, 'GET', `/wellness-api/rest/backfill/${path}`, {
                summaryStartTimeInSeconds: String(chunkStart),
                summaryEndTimeInSeconds: String(chunkEnd),
              }),
            );
          } catch (error) {
            const status = isTributaryError(error) ? error.details.status : undefined;
            if (status === 409) continue;
            if (status === 403 || status === 412) break;
            throw error;
          }
        }
      }
    },
  };
}
