import type {
  Activity,
  Athlete,
  Body,
  Daily,
  Menstruation,
  Nutrition,
  PlannedWorkout,
  Sleep,
} from './generated/terra-types.ts';

/** The eight Terra data types, as they appear in event `type`s and store rows. */
export const DATA_TYPES = [
  'activity',
  'athlete',
  'body',
  'daily',
  'menstruation',
  'nutrition',
  'sleep',
  'planned_workout',
] as const;
export type DataType = (typeof DATA_TYPES)[number];

/** The generated Terra type of each data type's records (src/model/generated/terra-types.ts). */
export interface DataTypeRecords {
  activity: Activity;
  athlete: Athlete;
  body: Body;
  daily: Daily;
  menstruation: Menstruation;
  nutrition: Nutrition;
  sleep: Sleep;
  planned_workout: PlannedWorkout;
}

/** Terra's data-model version string, sent as `version` on data events. */
export const MODEL_VERSION = '2022-03-16';

/** A normalized record as stored: any Terra data object (Activity, Sleep, ...). */
export type TerraRecord = Record<string, unknown> & { metadata?: Record<string, unknown> };

/**
 * Terra's natural key of a record, per user and data type: summary_id for activity and
 * sleep; the date part of metadata.start_time for daily, body, nutrition, menstruation
 * (sliced from the string, never converted between time zones); one athlete per user;
 * metadata.id for planned workouts. Returns undefined when the record lacks its key.
 */
export function naturalKey(type: DataType, record: TerraRecord): string | undefined {
  const metadata = record.metadata ?? {};
  switch (type) {
    case 'activity':
    case 'sleep':
      return stringOrUndefined(metadata.summary_id);
    case 'daily':
    case 'body':
    case 'nutrition':
    case 'menstruation': {
      const start = stringOrUndefined(metadata.start_time);
      return start && /^\d{4}-\d{2}-\d{2}/.test(start) ? start.slice(0, 10) : undefined;
    }
    case 'athlete':
      return 'athlete';
    case 'planned_workout':
      return stringOrUndefined(metadata.id);
  }
}

/** The record's time window, used for range reads (athlete has none). */
export function recordWindow(type: DataType, record: TerraRecord): { start?: string; end?: string } {
  if (type === 'athlete') return {};
  const metadata = record.metadata ?? {};
  const start =
    stringOrUndefined(metadata.start_time) ??
    stringOrUndefined(metadata.planned_date) ??
    stringOrUndefined(metadata.created_date);
  const end = stringOrUndefined(metadata.end_time) ?? start;
  return { start, end };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : typeof value === 'number' ? String(value) : undefined;
}
