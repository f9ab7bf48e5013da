import type { TerraRecord } from '../../model/data-types.ts';
import { maxOf, minOf } from '../../core/numbers.ts';
import { series, type IfitActivityLog, type IfitSamplePoint, type IfitWorkout } from './ifit-schemas.ts';
import { coveredPath, encodePolyline, pointAlong, routeFromCoordinates } from './ifit-route.ts';

/**
 * iFit activity log (+ its library workout) → Terra Activity. Pure: no I/O, no clock.
 * Only what iFit sent is mapped; a missing series leaves its block or samples absent
 * (never zeros). Incline and resistance have no Terra field: they stay in the raw record.
 */

/** iFit `type` → Terra ActivityType code. Unknown or missing types are UNKNOWN (4). */
export const ACTIVITY_TYPES: Readonly<Record<string, number>> = {
  run: 8, // RUNNING
  walk: 7, // WALKING
  hike: 35, // HIKING
  cycle: 1, // BIKING
  bike: 1,
  row: 54, // ROWING_MACHINE: iFit rows on its rowers
  elliptical: 25, // ELLIPTICAL
  strength: 80, // STRENGTH_TRAINING
  yoga: 100, // YOGA
  other: 108, // OTHER
};
const UNKNOWN_ACTIVITY = 4;
/** Origins recorded by iFit itself; anything else (e.g. `google-fit`) was imported. */
const IFIT_ORIGINS = new Set(['ifit', 'wolf', 'ifit-app', 'console']);
const UPLOAD_AUTOMATIC = 1;
const UPLOAD_THIRD_PARTY = 6;

/** Terra's timestamp style: ISO 8601 with microseconds and an explicit UTC offset. */
export function isoTimestamp(epochMs: number): string {
  return new Date(Math.round(epochMs)).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

export function normalizeActivity(log: IfitActivityLog, workout?: IfitWorkout | null): TerraRecord {
  const start = log.start;
  const end = log.end ?? (typeof log.duration === 'number' ? start + log.duration : start);
  const at = (point: IfitSamplePoint) => ({
    timestamp: isoTimestamp(start + point.offset),
    timer_duration_seconds: point.offset / 1000,
  });

  const bpm = series(log, 'bpm')?.filter((point) => (point.value ?? 0) > 0); // 0 = no strap reading
  const mps = series(log, 'mps');
  const watts = series(log, 'watts');
  const meters = series(log, 'meters');
  const calories = series(log, 'calories');
  const steps = series(log, 'steps');
  const elevation = series(log, 'elevation');
  const rpm = series(log, 'rpm');

  const activity: TerraRecord = {
    metadata: compact({
      summary_id: log.id,
      name: nonEmpty(workout?.title) ?? undefined,
      type: activityType(log.type),
      start_time: isoTimestamp(start),
      end_time: isoTimestamp(end),
      upload_type: !log.origin || IFIT_ORIGINS.has(log.origin.toLowerCase()) ? UPLOAD_AUTOMATIC : UPLOAD_THIRD_PARTY,
      timestamp_localization: 0,
    }),
  };

  if (typeof log.duration === 'number' && log.duration >= 0)
    activity.active_durations_data = { activity_seconds: log.duration / 1000 };

  const totalCalories = numberOrUndefined(log.summary?.total_calories);
  if (totalCalories !== undefined || calories) {
    activity.calories_data = compact({
      total_burned_calories: totalCalories,
      calorie_samples: calories?.map((point) => ({ ...at(point), calories: point.value })),
    });
  }

  const distance = distanceData(log, meters, steps, elevation, at);
  if (distance) activity.distance_data = distance;

  if (bpm && bpm.length > 0) {
    const values = bpm.map((point) => point.value!);
    activity.heart_rate_data = {
      summary: { avg_hr_bpm: mean(values), max_hr_bpm: maxOf(values), min_hr_bpm: minOf(values) },
      detailed: { hr_samples: bpm.map((point) => ({ ...at(point), bpm: point.value, context: 1 })) },
    };
  }

  if (mps || rpm) {
    const speeds = mps?.map((point) => point.value!);
    const cadences = rpm?.map((point) => point.value!);
    activity.movement_data = compact({
      avg_speed_meters_per_second: speeds && mean(speeds),
      max_speed_meters_per_second: speeds && maxOf(speeds),
      avg_cadence_rpm: cadences && mean(cadences),
      max_cadence_rpm: cadences && maxOf(cadences),
      speed_samples: mps?.map((point) => ({ ...at(point), speed_meters_per_second: point.value })),
      cadence_samples: rpm?.map((point) => ({ ...at(point), cadence_rpm: point.value })),
    });
  }

  if (watts) {
    const values = watts.map((point) => point.value!);
    activity.power_data = {
      avg_watts: mean(values),
      max_watts: maxOf(values),
      power_samples: watts.map((point) => ({ ...at(point), watts: point.value })),
    };
  }

  const geo = positionData(log, workout, meters, at);
  if (geo) {
    activity.position_data = geo.position;
    activity.polyline_map_data = { summary_polyline: geo.polyline };
  }

  activity.device_data = compact({
    name: 'iFit',
    manufacturer: 'iFit',
    serial_number: log.machine_id === null || log.machine_id === undefined ? undefined : String(log.machine_id),
    software_version:
      log.software_number === null || log.software_number === undefined ? undefined : String(log.software_number),
    data_provided: dataProvided({ bpm, mps, meters, calories, steps, rpm }),
  });
  return activity;
}

export function activityType(type: string | null | undefined): number {
  const key = (type ?? '').toLowerCase();
  return Object.hasOwn(ACTIVITY_TYPES, key) ? ACTIVITY_TYPES[key] : UNKNOWN_ACTIVITY;
}

type At = (point: IfitSamplePoint) => { timestamp: string; timer_duration_seconds: number };

function distanceData(
  log: IfitActivityLog,
  meters: IfitSamplePoint[] | undefined,
  steps: IfitSamplePoint[] | undefined,
  elevation: IfitSamplePoint[] | undefined,
  at: At,
): Record<string, unknown> | undefined {
  const totalMeters = numberOrUndefined(log.summary?.total_meters);
  const totalSteps = numberOrUndefined(log.summary?.total_steps);
  // iFit reports 0 steps for bikes and rowers: that is "not counted", not a measurement.
  const stepCount = totalSteps !== undefined && (totalSteps > 0 || steps) ? Math.round(totalSteps) : undefined;
  const summary = compact({
    // Terra types the summary distance as an integer (meters); samples keep iFit's precision.
    distance_meters: totalMeters === undefined ? undefined : Math.round(totalMeters),
    steps: stepCount,
    elevation: elevation ? elevationSummary(elevation.map((point) => point.value!)) : undefined,
  });
  const detailed = compact({
    distance_samples: meters?.map((point) => ({ ...at(point), distance_meters: point.value })),
    step_samples: steps?.map((point) => ({ ...at(point), steps: Math.round(point.value!) })),
    elevation_samples: elevation?.map((point) => ({ ...at(point), elev_meters: point.value })),
  });
  if (Object.keys(summary).length === 0 && Object.keys(detailed).length === 0) return undefined;
  return compact({
    summary: Object.keys(summary).length ? summary : undefined,
    detailed: Object.keys(detailed).length ? detailed : undefined,
  });
}

function elevationSummary(values: number[]): Record<string, number> {
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < values.length; i++) {
    const step = values[i] - values[i - 1];
    if (step > 0) gain += step;
    else loss -= step;
  }
  return {
    avg_meters: mean(values),
    max_meters: maxOf(values),
    min_meters: minOf(values),
    gain_actual_meters: gain,
    loss_actual_meters: loss,
  };
}

/**
 * Positions exist only for library workouts with a route, and only as far as the log says
 * the user went: each `meters` sample is placed that far along the route.
 */
function positionData(
  log: IfitActivityLog,
  workout: IfitWorkout | null | undefined,
  meters: IfitSamplePoint[] | undefined,
  at: At,
) {
  if (!workout || workout.has_geo_data === false) return undefined;
  const route = routeFromCoordinates(workout.geo?.path?.coordinates);
  if (route.length < 2) return undefined;
  const covered = meters ? meters[meters.length - 1].value! : numberOrUndefined(log.summary?.total_meters);
  if (covered === undefined || covered <= 0) return undefined;
  const path = coveredPath(route, covered);
  const end = pointAlong(route, covered);
  const lats = path.map((point) => point.lat);
  const lngs = path.map((point) => point.lng);
  const position = compact({
    start_pos_lat_lng_deg: [route[0].lat, route[0].lng],
    end_pos_lat_lng_deg: [end.lat, end.lng],
    center_pos_lat_lng_deg: [(minOf(lats) + maxOf(lats)) / 2, (minOf(lngs) + maxOf(lngs)) / 2],
    position_samples: meters?.map((point) => {
      const where = pointAlong(route, point.value!);
      return { ...at(point), coords_lat_lng_deg: [where.lat, where.lng] };
    }),
  });
  return { position, polyline: encodePolyline(path) };
}

function dataProvided(present: Record<string, unknown[] | undefined>): string[] | undefined {
  const names: [string, string][] = [
    ['bpm', 'HEART_RATE'],
    ['mps', 'SPEED'],
    ['meters', 'DISTANCE'],
    ['calories', 'CALORIES'],
    ['steps', 'STEPS'],
    ['rpm', 'CADENCE'],
  ];
  const provided = names.filter(([key]) => present[key] && present[key].length > 0).map(([, name]) => name);
  return provided.length ? provided : undefined;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value && value.trim() ? value : undefined;
}

/** Drops undefined members, so absent data stays absent in the JSON. */
function compact<T extends Record<string, unknown>>(value: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
}
