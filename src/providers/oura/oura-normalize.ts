import type { TerraRecord } from '../../model/data-types.ts';
import { activityTypeFromName } from '../../formats/sport.ts';

/**
 * Oura API v2 documents → Terra records. Pure: no I/O, no clock, so stored raw documents
 * can be normalized again (replay). Only what Oura sent is mapped: a missing field leaves
 * its Terra field absent, never a zero. Fields Terra has no place for (contributors of the
 * sleep score, `class_5_min`, resilience, tags…) stay in the raw document.
 * Mapping table: ../shared/research/providers.md §2.5 (see README.md here).
 */
export type OuraDocument = Record<string, unknown>;

/** The documents of one Oura `day` that make up one Terra Daily (one raw record). */
export interface OuraDayBundle {
  day: string;
  daily_activity?: OuraDocument;
  daily_sleep?: OuraDocument;
  daily_readiness?: OuraDocument;
  daily_spo2?: OuraDocument;
  daily_stress?: OuraDocument;
  /** `/v2/usercollection/heartrate` rows whose timestamp falls on this day (UTC). */
  heartrate?: OuraDocument[];
}

const SLEEP_LEVEL: Readonly<Record<string, number>> = { '1': 5, '2': 4, '3': 6, '4': 1 }; // deep, light, REM, awake
const SLEEP_AUTOMATIC = 2;
const UPLOAD_AUTOMATIC = 1;
const UPLOAD_MANUAL = 2;

/** One Oura sleep period → Terra Sleep; undefined for periods Oura marks deleted or rejected (`rest`). */
export function normalizeSleep(doc: OuraDocument): TerraRecord | undefined {
  const id = str(doc.id);
  const start = str(doc.bedtime_start);
  const end = str(doc.bedtime_end);
  if (!id || !start || !end || !validTime(start) || !validTime(end)) return undefined;
  const type = str(doc.type);
  if (type === 'deleted' || type === 'rest') return undefined;
  const phases30 = str(doc.sleep_phase_30_sec);
  const phases5 = str(doc.sleep_phase_5_min);
  const hypnogram = phases30
    ? hypnogramOf(phases30, start, 30)
    : phases5
      ? hypnogramOf(phases5, start, 300)
      : undefined;
  const readiness = obj(doc.readiness);
  const hr = samplesOf(doc.heart_rate, (bpm, timestamp) => ({ timestamp, bpm }));
  const hrv = samplesOf(doc.hrv, (value, timestamp) => (value >= 0 ? { timestamp, hrv_rmssd: value } : undefined));
  return compact({
    metadata: compact({
      summary_id: id,
      start_time: start,
      end_time: end,
      is_nap: type === undefined ? undefined : type === 'sleep' || type === 'late_nap',
      upload_type: SLEEP_AUTOMATIC,
    }),
    sleep_durations_data: compact({
      asleep: compact({
        duration_asleep_state_seconds: num(doc.total_sleep_duration),
        duration_deep_sleep_state_seconds: num(doc.deep_sleep_duration),
        duration_light_sleep_state_seconds: num(doc.light_sleep_duration),
        duration_REM_sleep_state_seconds: num(doc.rem_sleep_duration),
      }),
      awake: compact({
        duration_awake_state_seconds: num(doc.awake_time),
        sleep_latency_seconds: num(doc.latency),
      }),
      other: compact({ duration_in_bed_seconds: num(doc.time_in_bed) }),
      sleep_efficiency: num(doc.efficiency),
      hypnogram_samples: hypnogram,
    }),
    heart_rate_data: compact({
      summary: compact({
        avg_hr_bpm: num(doc.average_heart_rate),
        min_hr_bpm: num(doc.lowest_heart_rate),
        resting_hr_bpm: num(doc.lowest_heart_rate),
        avg_hrv_rmssd: num(doc.average_hrv),
      }),
      detailed: compact({ hr_samples: hr, hrv_samples_rmssd: hrv }),
    }),
    respiration_data: compact({
      breaths_data: compact({ avg_breaths_per_min: num(doc.average_breath) }),
    }),
    readiness_data: compact({ readiness: int(readiness?.score) }),
    temperature_data: compact({ delta: num(readiness?.temperature_deviation) }),
  });
}

/** One day's daily documents (and heart-rate rows) → Terra Daily; undefined when the day carries nothing. */
export function normalizeDaily(bundle: OuraDayBundle): TerraRecord | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(bundle.day)) return undefined;
  const activity = bundle.daily_activity;
  const readiness = bundle.daily_readiness;
  const offset = offsetOf(str(activity?.timestamp)) ?? '+00:00';
  const hr = (bundle.heartrate ?? [])
    .map((row) => ({ timestamp: str(row.timestamp), bpm: num(row.bpm) }))
    .filter((row): row is { timestamp: string; bpm: number } => !!row.timestamp && row.bpm !== undefined)
    .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  const bpms = hr.map((row) => row.bpm);
  const met = samplesOf(activity?.met, (level, timestamp) => ({ timestamp, level }));
  const daily = compact({
    distance_data: compact({
      steps: int(activity?.steps),
      distance_meters: num(activity?.equivalent_walking_distance),
    }),
    calories_data: compact({
      total_burned_calories: num(activity?.total_calories),
      net_activity_calories: num(activity?.active_calories),
    }),
    active_durations_data: compact({
      vigorous_intensity_seconds: num(activity?.high_activity_time),
      moderate_intensity_seconds: num(activity?.medium_activity_time),
      low_intensity_seconds: num(activity?.low_activity_time),
      inactivity_seconds: num(activity?.sedentary_time),
      rest_seconds: num(activity?.resting_time),
    }),
    MET_data: compact({ MET_samples: met }),
    scores: compact({
      activity: num(activity?.score),
      sleep: num(bundle.daily_sleep?.score),
      recovery: num(readiness?.score),
    }),
    data_enrichment: compact({
      readiness_score: num(readiness?.score),
      readiness_contributors: contributorsOf(readiness?.contributors),
    }),
    oxygen_data: compact({ avg_saturation_percentage: num(obj(bundle.daily_spo2?.spo2_percentage)?.average) }),
    stress_data: compact({ high_stress_duration_seconds: num(bundle.daily_stress?.stress_high) }),
    heart_rate_data:
      hr.length > 0
        ? {
            summary: {
              avg_hr_bpm: round1(bpms.reduce((a, b) => a + b, 0) / bpms.length),
              max_hr_bpm: max(bpms),
              min_hr_bpm: min(bpms),
            },
            detailed: { hr_samples: hr },
          }
        : undefined,
  });
  if (Object.keys(daily).length === 0) return undefined;
  return {
    metadata: {
      start_time: `${bundle.day}T00:00:00.000000${offset}`,
      end_time: `${nextDay(bundle.day)}T00:00:00.000000${offset}`,
      upload_type: UPLOAD_AUTOMATIC,
    },
    ...daily,
  };
}

/** One Oura workout → Terra Activity. Oura sends no samples with workouts. */
export function normalizeWorkout(doc: OuraDocument): TerraRecord | undefined {
  const id = str(doc.id);
  const start = str(doc.start_datetime);
  const end = str(doc.end_datetime);
  if (!id || !start || !end || !validTime(start) || !validTime(end)) return undefined;
  const activity = str(doc.activity);
  return compact({
    metadata: compact({
      summary_id: id,
      name: str(doc.label) ?? activity,
      type: activityTypeFromName(activity),
      start_time: start,
      end_time: end,
      upload_type: str(doc.source) === 'manual' ? UPLOAD_MANUAL : UPLOAD_AUTOMATIC,
    }),
    calories_data: compact({ total_burned_calories: num(doc.calories) }),
    // Terra's schema types an activity's distance_meters as an integer.
    distance_data: compact({ summary: compact({ distance_meters: roundOrUndefined(num(doc.distance)) }) }),
  });
}

/** `personal_info` → Terra Athlete. */
export function normalizeAthlete(doc: OuraDocument): TerraRecord | undefined {
  if (!str(doc.id)) return undefined;
  const sex = str(doc.biological_sex);
  return compact({ age: int(doc.age), email: str(doc.email), sex, gender: sex });
}

// ---- helpers ---------------------------------------------------------------------------

/** Oura's PublicSample `{interval, items, timestamp}` → timestamped samples, null items skipped. */
function samplesOf<T>(value: unknown, make: (item: number, timestamp: string) => T | undefined): T[] | undefined {
  const sample = obj(value);
  const start = str(sample?.timestamp);
  const interval = num(sample?.interval);
  if (!sample || !start || !validTime(start) || !interval || !Array.isArray(sample.items)) return undefined;
  const out: T[] = [];
  sample.items.forEach((item, index) => {
    if (typeof item !== 'number' || !Number.isFinite(item)) return;
    const made = make(item, shiftIso(start, index * interval));
    if (made !== undefined) out.push(made);
  });
  return out.length > 0 ? out : undefined;
}

function hypnogramOf(phases: string, start: string, seconds: number) {
  const out: { timestamp: string; level: number }[] = [];
  for (let i = 0; i < phases.length; i++) {
    const level = SLEEP_LEVEL[phases[i]];
    if (level !== undefined) out.push({ timestamp: shiftIso(start, i * seconds), level });
  }
  return out.length > 0 ? out : undefined;
}

function contributorsOf(value: unknown) {
  const contributors = obj(value);
  if (!contributors) return undefined;
  const out = Object.entries(contributors)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([contributor_name, contributor_score]) => ({ contributor_name, contributor_score }));
  return out.length > 0 ? out : undefined;
}

/** Adds seconds to an ISO time, keeping its UTC offset (Oura sends local times with offsets). */
export function shiftIso(iso: string, seconds: number): string {
  const offset = offsetOf(iso) ?? '+00:00';
  const sign = offset.startsWith('-') ? -1 : 1;
  const [hours, minutes] = offset.slice(1).split(':').map(Number) as [number, number];
  const offsetMs = sign * (hours * 60 + minutes) * 60_000;
  const local = new Date(Date.parse(iso) + seconds * 1000 + offsetMs).toISOString();
  return `${local.slice(0, 19)}.${local.slice(20, 23)}000${offset}`;
}

function offsetOf(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  if (/Z$/i.test(iso)) return '+00:00';
  return /([+-]\d{2}:\d{2})$/.exec(iso)?.[1];
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function validTime(iso: string): boolean {
  return Number.isFinite(Date.parse(iso));
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const int = (value: unknown): number | undefined => (Number.isInteger(value) ? (value as number) : undefined);
const obj = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const roundOrUndefined = (value: number | undefined) => (value === undefined ? undefined : Math.round(value));
const round1 = (value: number) => Math.round(value * 10) / 10;
const max = (values: number[]) => values.reduce((a, b) => (b > a ? b : a));
const min = (values: number[]) => values.reduce((a, b) => (b < a ? b : a));

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
