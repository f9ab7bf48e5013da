import { createHash } from 'node:crypto';
import type { TerraRecord } from '../model/data-types.ts';
import { maxOf, minOf } from '../core/numbers.ts';

/**
 * The shape every workout-file decoder reduces its file to before it becomes a Terra
 * Activity: one point per timestamp, each series present only where the file has it.
 * Units are already Terra's (m, m/s, bpm, rpm, W, degrees).
 */
export interface TrackPoint {
  /** Epoch ms (UTC). */
  t: number;
  lat?: number;
  lng?: number;
  altitude?: number;
  /** Cumulative distance since the start of the workout. */
  distance?: number;
  hr?: number;
  cadence?: number;
  speed?: number;
  power?: number;
}

export interface LapSummary {
  startMs: number;
  endMs: number;
  distance?: number;
  calories?: number;
  avgHr?: number;
  avgSpeed?: number;
  totalStrokes?: number;
  strokeType?: string;
}

/** What a file states about the whole workout; absent = the file does not say. */
export interface WorkoutSummary {
  distance?: number;
  calories?: number;
  avgHr?: number;
  maxHr?: number;
  minHr?: number;
  avgSpeed?: number;
  maxSpeed?: number;
  avgCadence?: number;
  maxCadence?: number;
  avgPower?: number;
  maxPower?: number;
  ascent?: number;
  descent?: number;
  /** Moving time (pauses excluded), seconds. */
  timerSeconds?: number;
  steps?: number;
  workKj?: number;
  poolLength?: number;
  numLengths?: number;
  numStrokes?: number;
}

export interface DeviceInfo {
  manufacturer?: string;
  name?: string;
  serialNumber?: string;
  softwareVersion?: string;
}

export interface WorkoutParts {
  summaryId: string;
  name?: string;
  /** Terra ActivityType code. */
  type: number;
  startMs: number;
  endMs: number;
  points: TrackPoint[];
  laps: LapSummary[];
  summary: WorkoutSummary;
  device?: DeviceInfo;
}

/** Terra's upload_type for data a user brought in from a file exported elsewhere. */
export const UPLOAD_TYPE_THIRD_PARTY = 6;

/** Terra's timestamp shape: ISO 8601 with microseconds and an explicit offset. */
export function terraTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}000+00:00`;
}

/** A summary id that is the same for the same bytes, so re-uploading a file replaces instead of duplicating. */
export function contentSummaryId(prefix: string, bytes: Buffer | string, index: number, salt = ''): string {
  const hash = createHash('sha256').update(bytes).update(salt).digest('hex').slice(0, 24);
  return `${prefix}-${hash}-${index}`;
}

/** Builds the Terra Activity. Series the file does not carry are left out, never zero-filled. */
export function buildActivity(parts: WorkoutParts): TerraRecord {
  const { points, summary } = parts;
  // Each point's timestamp is formatted once and shared by every series (the hot path of big files).
  const stamps = new Map<TrackPoint, string>();
  const stamp = (p: TrackPoint) => {
    let text = stamps.get(p);
    if (text === undefined) stamps.set(p, (text = terraTime(p.t)));
    return text;
  };
  const activity: TerraRecord = {
    metadata: {
      summary_id: parts.summaryId,
      start_time: terraTime(parts.startMs),
      end_time: terraTime(parts.endMs),
      type: parts.type,
      upload_type: UPLOAD_TYPE_THIRD_PARTY,
      timestamp_localization: 0,
      ...(parts.name ? { name: parts.name } : {}),
    },
  };
  const hrSeries = series(points, 'hr');
  const hrStats = stats(hrSeries.map((p) => p.hr!));
  const heart = compact({
    avg_hr_bpm: summary.avgHr ?? hrStats?.avg,
    max_hr_bpm: summary.maxHr ?? hrStats?.max,
    min_hr_bpm: summary.minHr ?? hrStats?.min,
  });
  if (hrSeries.length > 0 || heart) {
    activity.heart_rate_data = {
      summary: heart ?? {},
      detailed: { hr_samples: hrSeries.map((p) => ({ timestamp: stamp(p), bpm: p.hr })) },
    };
  }
  const distanceSeries = series(points, 'distance');
  const altitudeSeries = series(points, 'altitude');
  const altitudeStats = stats(altitudeSeries.map((p) => p.altitude!));
  const elevation = compact({
    gain_actual_meters: summary.ascent,
    loss_actual_meters: summary.descent,
    max_meters: altitudeStats?.max,
    min_meters: altitudeStats?.min,
    avg_meters: altitudeStats?.avg,
  });
  const swimming = compact({
    pool_length_meters: intOrUndefined(summary.poolLength),
    num_laps: intOrUndefined(summary.numLengths),
    num_strokes: intOrUndefined(summary.numStrokes),
  });
  const totalDistance = summary.distance ?? distanceSeries.at(-1)?.distance;
  const distanceSummary = compact({
    // Terra's schema types the summary distance as an integer (the samples keep full precision).
    distance_meters: totalDistance === undefined ? undefined : Math.round(totalDistance),
    steps: summary.steps === undefined ? undefined : Math.round(summary.steps),
    elevation,
    swimming,
  });
  if (distanceSummary || distanceSeries.length > 0 || altitudeSeries.length > 0) {
    activity.distance_data = {
      summary: distanceSummary ?? {},
      detailed: {
        distance_samples: distanceSeries.map((p) => ({ timestamp: stamp(p), distance_meters: p.distance })),
        elevation_samples: altitudeSeries.map((p) => ({ timestamp: stamp(p), elev_meters: p.altitude })),
      },
    };
  }
  const speedSeries = series(points, 'speed');
  const cadenceSeries = series(points, 'cadence');
  const speedStats = stats(speedSeries.map((p) => p.speed!));
  const cadenceStats = stats(cadenceSeries.map((p) => p.cadence!));
  const movement = compact({
    avg_speed_meters_per_second: summary.avgSpeed ?? speedStats?.avg,
    max_speed_meters_per_second: summary.maxSpeed ?? speedStats?.max,
    avg_cadence_rpm: summary.avgCadence ?? cadenceStats?.avg,
    max_cadence_rpm: summary.maxCadence ?? cadenceStats?.max,
  });
  if (movement || speedSeries.length > 0 || cadenceSeries.length > 0) {
    activity.movement_data = {
      ...movement,
      speed_samples: speedSeries.map((p) => ({ timestamp: stamp(p), speed_meters_per_second: p.speed })),
      cadence_samples: cadenceSeries.map((p) => ({ timestamp: stamp(p), cadence_rpm: p.cadence })),
    };
  }
  const powerSeries = series(points, 'power');
  const powerStats = stats(powerSeries.map((p) => p.power!));
  const power = compact({
    avg_watts: summary.avgPower ?? powerStats?.avg,
    max_watts: summary.maxPower ?? powerStats?.max,
  });
  if (power || powerSeries.length > 0) {
    activity.power_data = {
      ...power,
      power_samples: powerSeries.map((p) => ({ timestamp: stamp(p), watts: p.power })),
    };
  }
  const positions = points.filter((p) => p.lat !== undefined && p.lng !== undefined);
  if (positions.length > 0) {
    const lats = positions.map((p) => p.lat!);
    const lngs = positions.map((p) => p.lng!);
    activity.position_data = {
      start_pos_lat_lng_deg: [positions[0].lat, positions[0].lng],
      end_pos_lat_lng_deg: [positions.at(-1)!.lat, positions.at(-1)!.lng],
      center_pos_lat_lng_deg: [(minOf(lats) + maxOf(lats)) / 2, (minOf(lngs) + maxOf(lngs)) / 2],
      position_samples: positions.map((p) => ({ timestamp: stamp(p), coords_lat_lng_deg: [p.lat, p.lng] })),
    };
  }
  if (summary.calories !== undefined) activity.calories_data = { total_burned_calories: summary.calories };
  if (summary.timerSeconds !== undefined) activity.active_durations_data = { activity_seconds: summary.timerSeconds };
  if (summary.workKj !== undefined) activity.work_data = { work_kilojoules: summary.workKj };
  if (parts.device) {
    const device = compact({
      manufacturer: parts.device.manufacturer,
      name: parts.device.name,
      serial_number: parts.device.serialNumber,
      software_version: parts.device.softwareVersion,
    });
    if (device) activity.device_data = device;
  }
  if (parts.laps.length > 0) {
    activity.lap_data = {
      laps: parts.laps.map((lap) =>
        compact({
          start_time: terraTime(lap.startMs),
          end_time: terraTime(lap.endMs),
          distance_meters: lap.distance,
          calories: lap.calories,
          avg_hr_bpm: lap.avgHr,
          avg_speed_meters_per_second: lap.avgSpeed,
          total_strokes: intOrUndefined(lap.totalStrokes),
          stroke_type: lap.strokeType,
        }),
      ),
    };
  }
  return activity;
}

function series<K extends keyof TrackPoint>(points: TrackPoint[], key: K): TrackPoint[] {
  return points.filter((p) => p[key] !== undefined);
}

function stats(values: number[]): { avg: number; max: number; min: number } | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  let max = -Infinity;
  let min = Infinity;
  for (const v of values) {
    sum += v;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  return { avg: round(sum / values.length, 3), max, min };
}

function intOrUndefined(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value);
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** The object without undefined/empty members, or undefined when nothing is left. */
export function compact(object: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined || value === null || (typeof value === 'number' && !Number.isFinite(value))) continue;
    out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A finite number or undefined. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
