import { z } from 'zod';

/**
 * The iFit payload shapes Tributary reads (see README.md and ../shared/research/ifit-api.md).
 * Every object is `passthrough`: real servers send more than this, and the raw record keeps it all.
 */
const epochMs = z.number().finite();

export const tokenResponseSchema = z
  .object({
    access_token: z.string().min(1),
    refresh_token: z.string().min(1).nullish(),
    token_type: z.string().nullish(),
    expires_in: z.number().nonnegative().nullish(),
  })
  .passthrough();
export type IfitTokenResponse = z.infer<typeof tokenResponseSchema>;

export const meSchema = z
  .object({
    id: z.string().min(1),
    firstname: z.string().nullish(),
    lastname: z.string().nullish(),
    email: z.string().nullish(),
  })
  .passthrough();
export type IfitMe = z.infer<typeof meSchema>;

export const samplePointSchema = z
  .object({ offset: z.number().finite(), value: z.number().finite().nullable() })
  .passthrough();
export type IfitSamplePoint = z.infer<typeof samplePointSchema>;

const summarySchema = z
  .object({
    total_meters: z.number().nullish(),
    total_calories: z.number().nullish(),
    total_steps: z.number().nullish(),
  })
  .passthrough();

export const activityLogListItemSchema = z
  .object({
    id: z.string().min(1),
    workout_id: z.string().nullish(),
    user_id: z.string().nullish(),
    type: z.string().nullish(),
    start: epochMs,
    end: epochMs.nullish(),
    duration: z.number().nullish(),
    summary: summarySchema.nullish(),
    origin: z.string().nullish(),
    software_number: z.union([z.string(), z.number()]).nullish(),
    machine_id: z.union([z.string(), z.number()]).nullish(),
  })
  .passthrough();
export type IfitActivityLogListItem = z.infer<typeof activityLogListItemSchema>;

export const activityLogListSchema = z.array(activityLogListItemSchema);

/** A series iFit did not send is absent; a series that is not a list of points is ignored. */
export const activityLogSchema = activityLogListItemSchema.extend({
  stats: z.record(z.string(), z.unknown()).nullish(),
});
export type IfitActivityLog = z.infer<typeof activityLogSchema>;

export const workoutSchema = z
  .object({
    id: z.string().nullish(),
    title: z.string().nullish(),
    has_geo_data: z.boolean().nullish(),
    geo: z
      .object({
        path: z
          .object({ coordinates: z.array(z.array(z.number().nullable())).nullish() })
          .passthrough()
          .nullish(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();
export type IfitWorkout = z.infer<typeof workoutSchema>;

/** The known sample series, by iFit key. */
export const SERIES_KEYS = [
  'bpm',
  'mps',
  'watts',
  'meters',
  'calories',
  'steps',
  'incline',
  'elevation',
  'rpm',
  'resistance',
] as const;
export type SeriesKey = (typeof SERIES_KEYS)[number];

/** A series as a clean ascending list of finite points; undefined when absent, malformed or empty. */
export function series(log: IfitActivityLog, key: string): IfitSamplePoint[] | undefined {
  const value = log.stats?.[key];
  if (!Array.isArray(value)) return undefined;
  const points: IfitSamplePoint[] = [];
  for (const item of value) {
    const parsed = samplePointSchema.safeParse(item);
    if (parsed.success && parsed.data.value !== null) points.push(parsed.data);
  }
  if (points.length === 0) return undefined;
  return points.sort((a, b) => a.offset - b.offset);
}
