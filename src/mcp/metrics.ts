import type { TerraRecord } from '../model/data-types.ts';

/** The data types the summary tools cover (athlete and planned workouts have no period to summarise). */
export const SUMMARY_TYPES = ['activity', 'sleep', 'daily', 'body', 'nutrition', 'menstruation'] as const;
export type SummaryType = (typeof SUMMARY_TYPES)[number];

/**
 * How a metric adds up over a period: `sum` (steps, calories: a total and a per-day
 * average), `mean` (heart rate, weight: an average with its range), `last` (a state such as
 * the menstrual phase: the latest value).
 */
type Kind = 'sum' | 'mean' | 'last';

interface Metric {
  name: string;
  kind: Kind;
  unit?: string;
  /** Dotted path into the record; `[]` averages over an array (body measurements). */
  path: string;
}

const m = (name: string, kind: Kind, path: string, unit?: string): Metric => ({ name, kind, path, unit });

/** The metrics each summary reports, read from Terra's model (src/model/generated/terra-types.ts). */
export const METRICS: Record<SummaryType, Metric[]> = {
  activity: [
    m('duration_seconds', 'sum', '@duration', 's'),
    m('distance_meters', 'sum', 'distance_data.summary.distance_meters', 'm'),
    m('steps', 'sum', 'distance_data.summary.steps'),
    m('calories', 'sum', 'calories_data.total_burned_calories', 'kcal'),
    m('active_seconds', 'sum', 'active_durations_data.activity_seconds', 's'),
    m('avg_hr_bpm', 'mean', 'heart_rate_data.summary.avg_hr_bpm', 'bpm'),
    m('max_hr_bpm', 'mean', 'heart_rate_data.summary.max_hr_bpm', 'bpm'),
  ],
  sleep: [
    m('in_bed_seconds', 'sum', '@duration', 's'),
    m('asleep_seconds', 'sum', 'sleep_durations_data.asleep.duration_asleep_state_seconds', 's'),
    m('deep_seconds', 'sum', 'sleep_durations_data.asleep.duration_deep_sleep_state_seconds', 's'),
    m('rem_seconds', 'sum', 'sleep_durations_data.asleep.duration_REM_sleep_state_seconds', 's'),
    m('light_seconds', 'sum', 'sleep_durations_data.asleep.duration_light_sleep_state_seconds', 's'),
    m('awake_seconds', 'sum', 'sleep_durations_data.awake.duration_awake_state_seconds', 's'),
    m('efficiency', 'mean', 'sleep_durations_data.sleep_efficiency'),
    m('sleep_score', 'mean', 'scores.sleep'),
    m('avg_hr_bpm', 'mean', 'heart_rate_data.summary.avg_hr_bpm', 'bpm'),
    m('resting_hr_bpm', 'mean', 'heart_rate_data.summary.resting_hr_bpm', 'bpm'),
    m('avg_hrv_rmssd', 'mean', 'heart_rate_data.summary.avg_hrv_rmssd', 'ms'),
    m('readiness', 'mean', 'readiness_data.readiness'),
  ],
  daily: [
    m('steps', 'sum', 'distance_data.steps'),
    m('distance_meters', 'sum', 'distance_data.distance_meters', 'm'),
    m('floors_climbed', 'sum', 'distance_data.floors_climbed'),
    m('calories', 'sum', 'calories_data.total_burned_calories', 'kcal'),
    m('active_calories', 'sum', 'calories_data.net_activity_calories', 'kcal'),
    m('active_seconds', 'sum', 'active_durations_data.activity_seconds', 's'),
    m('resting_hr_bpm', 'mean', 'heart_rate_data.summary.resting_hr_bpm', 'bpm'),
    m('avg_hr_bpm', 'mean', 'heart_rate_data.summary.avg_hr_bpm', 'bpm'),
    m('avg_hrv_rmssd', 'mean', 'heart_rate_data.summary.avg_hrv_rmssd', 'ms'),
    m('avg_stress_level', 'mean', 'stress_data.avg_stress_level'),
    m('avg_saturation_percentage', 'mean', 'oxygen_data.avg_saturation_percentage', '%'),
  ],
  body: [
    m('weight_kg', 'mean', 'measurements_data.measurements[].weight_kg', 'kg'),
    m('bodyfat_percentage', 'mean', 'measurements_data.measurements[].bodyfat_percentage', '%'),
    m('bmi', 'mean', 'measurements_data.measurements[].BMI'),
    m('muscle_mass_g', 'mean', 'measurements_data.measurements[].muscle_mass_g', 'g'),
    m('resting_hr_bpm', 'mean', 'heart_data.heart_rate_data.summary.resting_hr_bpm', 'bpm'),
    m('avg_hrv_rmssd', 'mean', 'heart_data.heart_rate_data.summary.avg_hrv_rmssd', 'ms'),
    m('avg_saturation_percentage', 'mean', 'oxygen_data.avg_saturation_percentage', '%'),
    m('avg_blood_glucose_mg_per_dl', 'mean', 'glucose_data.day_avg_blood_glucose_mg_per_dL', 'mg/dL'),
    m('water_ml', 'sum', 'hydration_data.day_total_water_consumption_ml', 'mL'),
  ],
  nutrition: [
    m('calories', 'sum', 'summary.macros.calories', 'kcal'),
    m('protein_g', 'sum', 'summary.macros.protein_g', 'g'),
    m('carbohydrates_g', 'sum', 'summary.macros.carbohydrates_g', 'g'),
    m('fat_g', 'sum', 'summary.macros.fat_g', 'g'),
    m('fiber_g', 'sum', 'summary.macros.fiber_g', 'g'),
    m('sugar_g', 'sum', 'summary.macros.sugar_g', 'g'),
    m('sodium_mg', 'sum', 'summary.macros.sodium_mg', 'mg'),
    m('water_ml', 'sum', 'summary.water_ml', 'mL'),
  ],
  menstruation: [
    m('period_length_days', 'mean', 'menstruation_data.period_length_days', 'd'),
    m('cycle_length_days', 'mean', 'menstruation_data.cycle_length_days', 'd'),
    m('predicted_cycle_length_days', 'mean', 'menstruation_data.predicted_cycle_length_days', 'd'),
    m('day_in_cycle', 'last', 'menstruation_data.day_in_cycle'),
    m('current_phase', 'last', 'menstruation_data.current_phase'),
    m('period_start_date', 'last', 'menstruation_data.period_start_date'),
  ],
};

export type MetricValue = number | string;

/** The metric's value in one record (numbers averaged over an array path), or undefined. */
export function metricValue(record: TerraRecord, metric: Metric): MetricValue | undefined {
  if (metric.path === '@duration') {
    const meta = record.metadata ?? {};
    const start = Date.parse(String(meta.start_time ?? ''));
    const end = Date.parse(String(meta.end_time ?? ''));
    return Number.isFinite(start) && Number.isFinite(end) && end >= start ? (end - start) / 1000 : undefined;
  }
  const values = collect(record, metric.path.split('.'));
  const numbers = values.map(asNumber).filter((v): v is number => v !== undefined);
  if (numbers.length > 0) return numbers.reduce((a, b) => a + b, 0) / numbers.length;
  if (metric.kind === 'last') {
    const text = values.find((v) => typeof v === 'string' && v.length > 0) as string | undefined;
    return text?.slice(0, 64);
  }
  return undefined;
}

function collect(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return value === undefined || value === null ? [] : [value];
  if (value === null || typeof value !== 'object') return [];
  const [head, ...rest] = path as [string, ...string[]];
  if (head.endsWith('[]')) {
    const list = (value as Record<string, unknown>)[head.slice(0, -2)];
    return Array.isArray(list) ? list.flatMap((item) => collect(item, rest)) : [];
  }
  return collect((value as Record<string, unknown>)[head], rest);
}

/** Numbers, and numeric text (Terra sends some lengths as strings). */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

export interface MetricSummary {
  unit?: string;
  /** Records that carried the metric. */
  records: number;
  total?: number;
  per_day?: number;
  mean?: number;
  min?: number;
  max?: number;
  first?: MetricValue;
  last?: MetricValue;
}

/**
 * The metrics of `type` over records (in time order) of a period `days` long. Only metrics
 * some record carries are reported: an absent metric says "no data", not zero.
 */
export function summarizeMetrics(
  type: SummaryType,
  records: readonly TerraRecord[],
  days: number,
): Record<string, MetricSummary> {
  const out: Record<string, MetricSummary> = {};
  for (const metric of METRICS[type]) {
    const values = records.map((r) => metricValue(r, metric)).filter((v): v is MetricValue => v !== undefined);
    if (values.length === 0) continue;
    const summary: MetricSummary = { ...(metric.unit ? { unit: metric.unit } : {}), records: values.length };
    const numbers = values.filter((v): v is number => typeof v === 'number');
    if (metric.kind === 'sum' && numbers.length > 0) {
      const total = numbers.reduce((a, b) => a + b, 0);
      Object.assign(summary, { total: round(total), per_day: round(total / days) });
    }
    if (metric.kind !== 'last' && numbers.length > 0) {
      Object.assign(summary, {
        mean: round(numbers.reduce((a, b) => a + b, 0) / numbers.length),
        min: round(Math.min(...numbers)),
        max: round(Math.max(...numbers)),
      });
    }
    summary.first = roundValue(values[0]);
    summary.last = roundValue(values.at(-1)!);
    out[metric.name] = summary;
  }
  return out;
}

/** One value per metric for one day's records (sum metrics added, the others averaged). */
export function dayValues(type: SummaryType, records: readonly TerraRecord[]): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const metric of METRICS[type]) {
    const values = records.map((r) => metricValue(r, metric)).filter((v): v is MetricValue => v !== undefined);
    if (values.length === 0) continue;
    const numbers = values.filter((v): v is number => typeof v === 'number');
    if (metric.kind === 'last' || numbers.length === 0) out[metric.name] = roundValue(values.at(-1)!);
    else {
      const total = numbers.reduce((a, b) => a + b, 0);
      out[metric.name] = round(metric.kind === 'sum' ? total : total / numbers.length);
    }
  }
  return out;
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const roundValue = (value: MetricValue): MetricValue => (typeof value === 'number' ? round(value) : value);
