import type { TerraRecord } from '../../model/data-types.ts';
import { activityTypeFromName } from '../../formats/sport.ts';

/**
 * WHOOP API v2 documents → Terra records. Pure: no I/O, no clock, so stored raw documents
 * can be normalized again (replay). Only what WHOOP sent is mapped: a missing field (an
 * unscored sleep, a cycle still running) leaves its Terra field absent, never a zero.
 * Fields Terra has no place for (sleep need, consistency, zone-zero time, `percent_recorded`)
 * stay in the raw document. Mapping table: ../shared/research/providers.md §4.5 (README.md here).
 */
export type WhoopDocument = Record<string, unknown>;

/**
 * One WHOOP cycle and the recovery scored for it: the raw body of one Terra Daily
 * (`cycle:<id>`). `recovery` is absent when WHOOP has none (yet) for the cycle.
 */
export interface WhoopCycleBundle {
  cycle: WhoopDocument;
  recovery?: WhoopDocument;
}

/**
 * What `GET /v2/user/measurement/body` answered and the calendar day (UTC) Tributary first
 * saw those values: WHOOP's body measurement carries no date, so the day is stored with it.
 */
export interface WhoopBodyObservation {
  day: string;
  measurement: WhoopDocument;
}

const KJ_PER_KCAL = 4.184;
const SLEEP_AUTOMATIC = 2;
const UPLOAD_AUTOMATIC = 1;
const HOUR_MS = 3_600_000;

/**
 * A cycle (+ its recovery) → Terra Daily. WHOOP's cycle runs from one sleep onset to the
 * next, not midnight to midnight; its Terra day is the local calendar day it mostly covers
 * — the date 12 hours after the cycle starts (a cycle that begins at 23:30 on Monday is
 * Tuesday's, as in WHOOP's app). Undefined when the cycle carries no usable start.
 */
export function normalizeCycle(bundle: WhoopCycleBundle): TerraRecord | undefined {
  const cycle = obj(bundle.cycle);
  if (!cycle || id(cycle.id) === undefined) return undefined;
  const start = str(cycle.start);
  if (!start || !validTime(start)) return undefined;
  const offset = offsetOf(str(cycle.timezone_offset));
  if (!offset) return undefined;
  const day = localDate(Date.parse(start) + 12 * HOUR_MS, offset);
  const score = scored(cycle);
  const recovery = bundle.recovery ? obj(bundle.recovery) : undefined;
  const recoveryScore = recovery && sameCycle(recovery, cycle) ? scored(recovery) : undefined;
  const daily = compact({
    strain_data: compact({ strain_level: num(score?.strain) }),
    calories_data: compact({ total_burned_calories: kcal(num(score?.kilojoule)) }),
    heart_rate_data: compact({
      summary: compact({
        avg_hr_bpm: num(score?.average_heart_rate),
        max_hr_bpm: num(score?.max_heart_rate),
        resting_hr_bpm: num(recoveryScore?.resting_heart_rate),
        avg_hrv_rmssd: num(recoveryScore?.hrv_rmssd_milli),
      }),
    }),
    scores: compact({ recovery: num(recoveryScore?.recovery_score) }),
    oxygen_data: compact({ avg_saturation_percentage: num(recoveryScore?.spo2_percentage) }),
  });
  if (Object.keys(daily).length === 0) return undefined;
  return {
    metadata: {
      start_time: `${day}T00:00:00.000000${offset}`,
      end_time: `${nextDay(day)}T00:00:00.000000${offset}`,
      upload_type: UPLOAD_AUTOMATIC,
    },
    ...daily,
  };
}

/** One WHOOP sleep → Terra Sleep (stage totals: WHOOP's public API has no hypnogram). */
export function normalizeSleep(doc: WhoopDocument): TerraRecord | undefined {
  const sleepId = id(doc.id);
  const start = str(doc.start);
  const end = str(doc.end);
  if (sleepId === undefined || !start || !end || !validTime(start) || !validTime(end)) return undefined;
  const offset = offsetOf(str(doc.timezone_offset));
  const score = scored(doc);
  const stages = obj(score?.stage_summary);
  const light = millis(stages?.total_light_sleep_time_milli);
  const deep = millis(stages?.total_slow_wave_sleep_time_milli);
  const rem = millis(stages?.total_rem_sleep_time_milli);
  const stageMs = [
    stages?.total_light_sleep_time_milli,
    stages?.total_slow_wave_sleep_time_milli,
    stages?.total_rem_sleep_time_milli,
  ];
  // Summed in milliseconds (exact), then converted once.
  const asleep =
    light !== undefined && deep !== undefined && rem !== undefined
      ? (stageMs as number[]).reduce((a, b) => a + b, 0) / 1000
      : undefined;
  return compact({
    metadata: compact({
      summary_id: sleepId,
      start_time: localIso(start, offset),
      end_time: localIso(end, offset),
      is_nap: typeof doc.nap === 'boolean' ? doc.nap : undefined,
      upload_type: SLEEP_AUTOMATIC,
    }),
    sleep_durations_data: compact({
      asleep: compact({
        duration_asleep_state_seconds: asleep,
        duration_light_sleep_state_seconds: light,
        duration_deep_sleep_state_seconds: deep,
        duration_REM_sleep_state_seconds: rem,
      }),
      awake: compact({
        duration_awake_state_seconds: millis(stages?.total_awake_time_milli),
        num_wakeup_events: int(stages?.disturbance_count),
      }),
      other: compact({
        duration_in_bed_seconds: millis(stages?.total_in_bed_time_milli),
        duration_unmeasurable_sleep_seconds: millis(stages?.total_no_data_time_milli),
      }),
      sleep_efficiency: num(score?.sleep_efficiency_percentage),
    }),
    scores: compact({ sleep: num(score?.sleep_performance_percentage) }),
    respiration_data: compact({ breaths_data: compact({ avg_breaths_per_min: num(score?.respiratory_rate) }) }),
  });
}

/** WHOOP's six heart-rate zones (`zone_durations`, ms) → Terra zones 0–5 (seconds). */
const ZONES = [
  ['zone_zero_milli', 0],
  ['zone_one_milli', 1],
  ['zone_two_milli', 2],
  ['zone_three_milli', 3],
  ['zone_four_milli', 4],
  ['zone_five_milli', 5],
] as const;

/** One WHOOP workout → Terra Activity. WHOOP sends no samples with workouts. */
export function normalizeWorkout(doc: WhoopDocument): TerraRecord | undefined {
  const workoutId = id(doc.id);
  const start = str(doc.start);
  const end = str(doc.end);
  if (workoutId === undefined || !start || !end || !validTime(start) || !validTime(end)) return undefined;
  const offset = offsetOf(str(doc.timezone_offset));
  const score = scored(doc);
  const zones = obj(score?.zone_durations);
  const zoneData = zones
    ? ZONES.flatMap(([field, zone]) => {
        const seconds = millis(zones[field]);
        return seconds === undefined ? [] : [{ zone, duration_seconds: seconds }];
      })
    : [];
  const sport = str(doc.sport_name);
  const distance = num(score?.distance_meter);
  return compact({
    metadata: compact({
      summary_id: workoutId,
      name: sport,
      type: activityTypeFromName(sport),
      start_time: localIso(start, offset),
      end_time: localIso(end, offset),
      upload_type: UPLOAD_AUTOMATIC,
    }),
    calories_data: compact({ total_burned_calories: kcal(num(score?.kilojoule)) }),
    distance_data: compact({
      summary: compact({
        // Terra's schema types an activity's distance_meters as an integer.
        distance_meters: distance === undefined ? undefined : Math.round(distance),
        elevation: compact({ gain_actual_meters: num(score?.altitude_gain_meter) }),
      }),
    }),
    heart_rate_data: compact({
      summary: compact({
        avg_hr_bpm: num(score?.average_heart_rate),
        max_hr_bpm: num(score?.max_heart_rate),
        hr_zone_data: zoneData.length > 0 ? zoneData : undefined,
      }),
    }),
    strain_data: compact({ strain_level: num(score?.strain) }),
  });
}

/** `GET /v2/user/measurement/body` (with the day it was first seen) → Terra Body. */
export function normalizeBody(observation: WhoopBodyObservation): TerraRecord | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(observation.day ?? '')) return undefined;
  const measurement = obj(observation.measurement);
  if (!measurement) return undefined;
  const height = num(measurement.height_meter);
  const sample = compact({
    measurement_time: `${observation.day}T00:00:00.000000+00:00`,
    height_cm: height === undefined ? undefined : round2(height * 100),
    weight_kg: num(measurement.weight_kilogram),
  });
  const maxHr = num(measurement.max_heart_rate);
  const body = compact({
    measurements_data: Object.keys(sample).length > 1 ? { measurements: [sample] } : undefined,
    heart_data: maxHr === undefined ? undefined : { heart_rate_data: { summary: { user_max_hr_bpm: maxHr } } },
  });
  if (Object.keys(body).length === 0) return undefined;
  return {
    metadata: {
      start_time: `${observation.day}T00:00:00.000000+00:00`,
      end_time: `${nextDay(observation.day)}T00:00:00.000000+00:00`,
    },
    ...body,
  };
}

/** `GET /v2/user/profile/basic` → Terra Athlete. */
export function normalizeProfile(doc: WhoopDocument): TerraRecord | undefined {
  if (id(doc.user_id) === undefined) return undefined;
  return compact({ first_name: str(doc.first_name), last_name: str(doc.last_name), email: str(doc.email) });
}

// ---- helpers ---------------------------------------------------------------------------

/** `score` only when WHOOP scored the document (`score_state: SCORED`). */
function scored(doc: WhoopDocument): Record<string, unknown> | undefined {
  return doc.score_state === 'SCORED' ? obj(doc.score) : undefined;
}

function sameCycle(recovery: WhoopDocument, cycle: WhoopDocument): boolean {
  return recovery.cycle_id === undefined || String(recovery.cycle_id) === String(cycle.id);
}

/** An instant in WHOOP's UTC form, rewritten in the document's local offset (Terra wants local times). */
export function localIso(iso: string, offset: string | undefined): string {
  if (!offset) return iso;
  const sign = offset.startsWith('-') ? -1 : 1;
  const [hours, minutes] = offset.slice(1).split(':').map(Number) as [number, number];
  const local = new Date(Date.parse(iso) + sign * (hours * 60 + minutes) * 60_000).toISOString();
  return `${local.slice(0, 19)}.${local.slice(20, 23)}000${offset}`;
}

/** `±hh:mm` or `Z` (WHOOP's `timezone_offset`) as `±hh:mm`. */
function offsetOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (/^Z$/i.test(value)) return '+00:00';
  return /^[+-]\d{2}:\d{2}$/.test(value) ? value : undefined;
}

function localDate(ms: number, offset: string): string {
  return localIso(new Date(ms).toISOString(), offset).slice(0, 10);
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function validTime(iso: string): boolean {
  return Number.isFinite(Date.parse(iso));
}

/** WHOOP ids: UUID strings (sleep, workout) or integers (cycles, users). */
function id(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const int = (value: unknown): number | undefined => (Number.isInteger(value) ? (value as number) : undefined);
const obj = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const millis = (value: unknown): number | undefined => {
  const ms = num(value);
  return ms === undefined || ms < 0 ? undefined : ms / 1000;
};
const kcal = (kj: number | undefined) => (kj === undefined ? undefined : round2(kj / KJ_PER_KCAL));
const round2 = (value: number) => Math.round(value * 100) / 100;

/** Drops undefined values and empty objects, so absent data stays absent. */
function compact<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (item && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length === 0) continue;
    out[key] = item;
  }
  return out as T;
}
