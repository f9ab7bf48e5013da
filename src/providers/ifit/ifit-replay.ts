import type { RawNormalizer } from '../provider.ts';
import { normalizeActivity } from './ifit-normalize-activity.ts';
import { activityLogSchema, workoutSchema } from './ifit-schemas.ts';

/**
 * Replay: an activity log's raw body is iFit's log detail, and the library workout it names
 * is kept beside it (`workout:<id>`, data type `ifit_workout`), as polling stored them.
 */
export const ifitRawNormalizer: RawNormalizer = {
  dataTypes: ['activity'],
  async normalize(raw, related) {
    const log = activityLogSchema.parse(JSON.parse(raw.body.toString('utf8')));
    const workoutRaw = log.workout_id ? await related(`workout:${log.workout_id}`) : undefined;
    const workout = workoutRaw ? workoutSchema.parse(JSON.parse(workoutRaw.body.toString('utf8'))) : undefined;
    return [normalizeActivity(log, workout)];
  },
};
