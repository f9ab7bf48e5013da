import { createHash } from 'node:crypto';
import type { TerraRecord } from '../../../model/data-types.ts';
import { HK, workoutActivityType, workoutDisplayName } from '../hk-types.ts';
import { formatLocal, toCanonical, type Dimension } from '../units.ts';
import { compact, round } from './common.ts';

export interface WorkoutStatistic {
  type: string;
  sum?: number;
  average?: number;
  minimum?: number;
  maximum?: number;
  unit?: string;
}

export interface RoutePoint {
  ms: number;
  lat: number;
  lon: number;
  elevation?: number;
  /** m/s */
  speed?: number;
}

/** A workout as both inputs (SDK batch, export) describe it, before unit conversion. */
export interface WorkoutInput {
  activityType: string;
  startMs: number;
  endMs: number;
  offsetMin: number;
  /** Moving time (pauses excluded), with its unit. */
  duration?: { value: number; unit: string };
  sourceName: string;
  device?: DeviceInfo;
  /** Legacy totals from attributes (`totalDistance`, `totalEnergyBurned`), preferred when present. */
  totalDistance?: { value: number; unit: string };
  totalEnergyBurned?: { value: number; unit: string };
  statistics: WorkoutStatistic[];
  metadata: Record<string, string>;
  events: { type: string; startMs: number; endMs?: number }[];
  route: RoutePoint[];
}

export interface DeviceInfo {
  name?: string;
  manufacturer?: string;
  model?: string;
  hardwareVersion?: string;
  softwareVersion?: string;
}

const DISTANCE_TYPES = [
  'DistanceWalkingRunning',
  'DistanceCycling',
  'DistanceSwimming',
  'DistanceWheelchair',
  'DistanceDownhillSnowSports',
  'DistanceCrossCountrySkiing',
  'DistancePaddleSports',
  'DistanceRowing',
  'DistanceSkatingSports',
].map((t) => `${HK}${t}`);

/**
 * The workout's id: a digest of what identifies it (type, source, start, end), so the same
 * workout from an export (which has no UUIDs) and from the SDK is stored once.
 */
export function workoutSummaryId(w: Pick<WorkoutInput, 'activityType' | 'sourceName' | 'startMs' | 'endMs'>): string {
  return `apple-${createHash('sha256').update(`${w.activityType}|${w.sourceName}|${w.startMs}|${w.endMs}`).digest('hex').slice(0, 32)}`;
}

/**
 * Terra Activity for one workout; totals from attributes when present, else from statistics.
 * `heartRate`: the user's heart-rate samples stored for the workout's time (any source),
 * given as `hr_samples`.
 */
export function normalizeActivity(
  w: WorkoutInput,
  heartRate: readonly { ms: number; bpm: number }[] = [],
): TerraRecord {
  const stat = (type: string) => w.statistics.find((s) => s.type === `${HK}${type}`);
  const convert = (value: number | undefined, unit: string | undefined, dimension: Dimension, what: string) =>
    value === undefined || !Number.isFinite(value) ? undefined : toCanonical(value, unit, dimension, what);

  const distanceStat = DISTANCE_TYPES.map((t) => w.statistics.find((s) => s.type === t)).find(
    (s) => s?.sum !== undefined,
  );
  // Some exports write totalDistance="0" / totalEnergyBurned="0" next to real statistics: a zero attribute defers to them.
  const distance =
    w.totalDistance && (w.totalDistance.value > 0 || !distanceStat)
      ? convert(w.totalDistance.value, w.totalDistance.unit, 'length', 'totalDistance')
      : convert(distanceStat?.sum, distanceStat?.unit, 'length', 'WorkoutStatistics distance');
  const energyStat = stat('ActiveEnergyBurned');
  const energy =
    w.totalEnergyBurned && (w.totalEnergyBurned.value > 0 || energyStat?.sum === undefined)
      ? convert(w.totalEnergyBurned.value, w.totalEnergyBurned.unit, 'energy', 'totalEnergyBurned')
      : convert(energyStat?.sum, energyStat?.unit, 'energy', 'WorkoutStatistics energy');
  const duration = w.duration ? toCanonical(w.duration.value, w.duration.unit, 'time', 'duration') : undefined;
  const hr = stat('HeartRate');
  const power = stat('RunningPower') ?? stat('CyclingPower');
  const speed = stat('RunningSpeed') ?? stat('CyclingSpeed');
  const cadence = stat('CyclingCadence');
  const steps = stat('StepCount')?.sum;
  const strokes = stat('SwimmingStrokeCount')?.sum;
  const flights = stat('FlightsClimbed')?.sum;
  const speedOf = (value: number | undefined) =>
    value === undefined || !speed ? undefined : speedToMps(value, speed.unit);
  const elevationGain = quantityMeta(w.metadata.HKElevationAscended, 'length');
  const poolLength = quantityMeta(w.metadata.HKLapLength, 'length');
  const mets = w.metadata.HKAverageMETs ? Number.parseFloat(w.metadata.HKAverageMETs) : undefined;
  const r = (v: number | undefined, d = 3) => (v === undefined ? undefined : round(v, d));
  const at = (ms: number) => formatLocal(ms, w.offsetMin);
  const first = w.route[0];
  const last = w.route.at(-1);
  const laps = w.events.filter((e) => /Lap|Segment/.test(e.type) && e.endMs !== undefined);

  return {
    metadata: {
      summary_id: workoutSummaryId(w),
      name: workoutDisplayName(w.activityType),
      type: workoutActivityType(w.activityType, {
        indoor: w.metadata.HKIndoorWorkout === '1',
        swimmingLocation: Number(w.metadata.HKSwimmingLocationType) || undefined,
      }),
      start_time: at(w.startMs),
      end_time: at(w.endMs),
      upload_type: w.metadata.HKWasUserEntered === '1' ? 2 : 1,
      timestamp_localization: 1,
    },
    device_data: compact({
      name: w.device?.name ?? w.sourceName,
      manufacturer: w.device?.manufacturer,
      hardware_version: w.device?.hardwareVersion,
      software_version: w.device?.softwareVersion,
    }),
    active_durations_data: compact({ activity_seconds: r(duration) }),
    calories_data: compact({ net_activity_calories: r(energy) }),
    distance_data: compact({
      summary: compact({
        distance_meters: r(distance),
        steps: steps === undefined ? undefined : Math.round(steps),
        floors_climbed: flights === undefined ? undefined : Math.round(flights),
        elevation: compact({ gain_actual_meters: r(elevationGain) }),
        swimming: compact({
          num_strokes: strokes === undefined ? undefined : Math.round(strokes),
          pool_length_meters: poolLength === undefined ? undefined : Math.round(poolLength),
        }),
      }),
      detailed: compact({
        elevation_samples: w.route
          .filter((p) => p.elevation !== undefined)
          .map((p) => ({ timestamp: at(p.ms), elev_meters: p.elevation! })),
      }),
    }),
    heart_rate_data: compact({
      summary: compact({ avg_hr_bpm: r(hr?.average), min_hr_bpm: r(hr?.minimum), max_hr_bpm: r(hr?.maximum) }),
      detailed: compact({
        hr_samples: heartRate
          .filter((s) => s.ms >= w.startMs && s.ms <= w.endMs)
          .map((s) => ({
            timestamp: at(s.ms),
            bpm: s.bpm,
            timer_duration_seconds: round((s.ms - w.startMs) / 1000, 3),
          })),
      }),
    }),
    power_data: compact({ avg_watts: r(power?.average), max_watts: r(power?.maximum) }),
    movement_data: compact({
      avg_speed_meters_per_second: r(speedOf(speed?.average)),
      max_speed_meters_per_second: r(speedOf(speed?.maximum)),
      avg_cadence_rpm: r(cadence?.average),
      max_cadence_rpm: r(cadence?.maximum),
      speed_samples: w.route
        .filter((p) => p.speed !== undefined && p.speed >= 0)
        .map((p) => ({ timestamp: at(p.ms), speed_meters_per_second: p.speed! })),
    }),
    MET_data: compact({ avg_level: mets !== undefined && Number.isFinite(mets) ? mets : undefined }),
    position_data: first
      ? {
          start_pos_lat_lng_deg: [first.lat, first.lon],
          end_pos_lat_lng_deg: [last!.lat, last!.lon],
          position_samples: w.route.map((p) => ({ timestamp: at(p.ms), coords_lat_lng_deg: [p.lat, p.lon] })),
        }
      : undefined,
    lap_data: laps.length
      ? { laps: laps.map((e) => ({ start_time: at(e.startMs), end_time: at(e.endMs!) })) }
      : undefined,
  };
}

/** Metadata quantities are strings with a unit: `HKElevationAscended = "418 cm"`. */
function quantityMeta(text: string | undefined, dimension: Dimension): number | undefined {
  if (!text) return undefined;
  const m = /^\s*(-?[\d.]+)\s*(\S+)\s*$/.exec(text);
  if (!m) return undefined;
  try {
    return toCanonical(Number(m[1]), m[2], dimension, 'metadata');
  } catch {
    return undefined;
  }
}

function speedToMps(value: number, unit: string | undefined): number | undefined {
  const m = /^(\w+)\/(\w+)$/.exec(unit ?? '');
  if (!m) return undefined;
  try {
    return toCanonical(value, m[1], 'length') / toCanonical(1, m[2], 'time');
  } catch {
    return undefined;
  }
}
