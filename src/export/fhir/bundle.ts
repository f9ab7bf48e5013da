import { createHash } from 'node:crypto';
import { TributaryError } from '../../core/errors.ts';
import type { DataType, TerraRecord } from '../../model/data-types.ts';
import { ActivityType } from '../../model/generated/terra-types.ts';

type Obj = Record<string, unknown>;
type Resource = Obj & { resourceType: string };

export const FHIR_CONTENT_TYPE = 'application/fhir+json';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';
/** Identifies Tributary user ids (the Patient's identifier system). */
export const USER_ID_SYSTEM = 'urn:tributary:user-id';

/** Data types with a sensible FHIR Observation mapping. */
export const FHIR_DATA_TYPES: readonly DataType[] = ['activity', 'body', 'daily', 'sleep', 'nutrition', 'menstruation'];

interface Code {
  code: string;
  display: string;
  category: 'vital-signs' | 'activity' | 'survey';
  /** Further codings of the same concept (a workout's mean heart rate is also a `Heart rate`, 8867-4). */
  also?: readonly { code: string; display: string }[];
}

/** The LOINC codes used, with UCUM units. */
const C = {
  heartRate: { code: '8867-4', display: 'Heart rate', category: 'vital-signs' },
  restingHeartRate: { code: '40443-4', display: 'Heart rate --resting', category: 'vital-signs' },
  weight: { code: '29463-7', display: 'Body weight', category: 'vital-signs' },
  height: { code: '8302-2', display: 'Body height', category: 'vital-signs' },
  bmi: { code: '39156-5', display: 'Body mass index (BMI) [Ratio]', category: 'vital-signs' },
  bodyFat: { code: '41982-0', display: 'Percentage of body fat Measured', category: 'vital-signs' },
  bodyTemperature: { code: '8310-5', display: 'Body temperature', category: 'vital-signs' },
  spo2: { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', category: 'vital-signs' },
  bloodPressure: {
    code: '85354-9',
    display: 'Blood pressure panel with all children optional',
    category: 'vital-signs',
  },
  systolic: { code: '8480-6', display: 'Systolic blood pressure', category: 'vital-signs' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure', category: 'vital-signs' },
  respiratoryRate: { code: '9279-1', display: 'Respiratory rate', category: 'vital-signs' },
  glucose: { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', category: 'vital-signs' },
  steps: { code: '55423-8', display: 'Number of steps in unspecified time Pedometer', category: 'activity' },
  dailySteps: { code: '41950-7', display: 'Number of steps in 24 hour Measured', category: 'activity' },
  walkingDistance: { code: '55430-3', display: 'Walking distance unspecified time Pedometer', category: 'activity' },
  exerciseDistance: { code: '55412-1', display: 'Exercise distance unspecified time', category: 'activity' },
  distanceTraveled: { code: '103208-5', display: 'Distance traveled', category: 'activity' },
  meanHeartRate: {
    code: '55425-3',
    display: 'Heart rate unspecified time mean by Pedometer',
    category: 'vital-signs',
    also: [{ code: '8867-4', display: 'Heart rate' }],
  },
  maxHeartRate: {
    code: '55426-1',
    display: 'Heart rate unspecified time maximum by Pedometer',
    category: 'vital-signs',
    also: [{ code: '8867-4', display: 'Heart rate' }],
  },
  calories: { code: '41981-2', display: 'Calories burned', category: 'activity' },
  dailyCalories: { code: '41979-6', display: 'Calories burned in 24 hour Calculated', category: 'activity' },
  exerciseDuration: { code: '55411-3', display: 'Exercise duration', category: 'activity' },
  exerciseActivity: { code: '73985-4', display: 'Exercise activity', category: 'activity' },
  sleepDuration: { code: '93832-4', display: 'Sleep duration', category: 'activity' },
  deepSleep: { code: '93831-6', display: 'Deep sleep duration', category: 'activity' },
  lightSleep: { code: '93830-8', display: 'Light sleep duration', category: 'activity' },
  remSleep: { code: '93829-0', display: 'REM sleep duration', category: 'activity' },
  calorieIntake: { code: '9052-2', display: 'Calorie intake total 24 hour', category: 'survey' },
  lastPeriod: { code: '8665-2', display: 'Last menstrual period start date', category: 'survey' },
} as const satisfies Record<string, Code>;

const U = {
  perMin: { unit: 'beats/minute', code: '/min' },
  breathsPerMin: { unit: 'breaths/minute', code: '/min' },
  kg: { unit: 'kg', code: 'kg' },
  cm: { unit: 'cm', code: 'cm' },
  m: { unit: 'm', code: 'm' },
  bmi: { unit: 'kg/m2', code: 'kg/m2' },
  percent: { unit: '%', code: '%' },
  celsius: { unit: 'Cel', code: 'Cel' },
  mmHg: { unit: 'mmHg', code: 'mm[Hg]' },
  mgPerDl: { unit: 'mg/dL', code: 'mg/dL' },
  steps: { unit: 'steps', code: '{steps}' },
  kcal: { unit: 'kcal', code: 'kcal' },
  min: { unit: 'min', code: 'min' },
  h: { unit: 'h', code: 'h' },
} as const;

type Unit = (typeof U)[keyof typeof U];

export interface FhirOptions {
  /** Include one Observation per heart-rate sample (reads with `with_samples=true`). */
  withSamples?: boolean;
  /** Bundle timestamp; defaults to now. */
  now?: Date;
}

/**
 * Terra records → a FHIR R4 `Bundle` (type `collection`) of the user's `Patient` and
 * `Observation`s with LOINC codes and UCUM units, each with the record's effective time
 * and the Patient as subject. Ids are derived from user, record and code, so the same data
 * always renders to the same resources. Fields without a sensible LOINC code are left out.
 */
export function toFhirBundle(
  type: DataType,
  records: readonly TerraRecord[],
  userId: string,
  options: FhirOptions = {},
): Resource {
  if (!FHIR_DATA_TYPES.includes(type)) {
    throw new TributaryError(
      'bad_request',
      `format=fhir is not available for ${type}: only ${FHIR_DATA_TYPES.join(', ')} map to FHIR Observations`,
      { parameter: 'format' },
    );
  }
  const patient = patientOf(userId);
  const builder = new ObservationBuilder(userId);
  for (const record of records) MAPPERS[type](record, builder, options);
  const entries = [patient, ...builder.resources].map((resource) => ({
    fullUrl: `urn:uuid:${uuidOf(String(resource.resourceType), String(resource.id))}`,
    resource,
  }));
  return {
    resourceType: 'Bundle',
    id: uuidOf('bundle', `${userId}|${type}|${entries.map((e) => e.resource.id).join(',')}`),
    type: 'collection',
    timestamp: (options.now ?? new Date()).toISOString(),
    entry: entries,
  };
}

function patientOf(userId: string): Resource {
  return { resourceType: 'Patient', id: fhirId(userId), identifier: [{ system: USER_ID_SYSTEM, value: userId }] };
}

/** The Patient reference used as every Observation's subject. */
export function patientReference(userId: string): string {
  return `Patient/${fhirId(userId)}`;
}

type Effective = { dateTime: string } | { start: string; end: string };

class ObservationBuilder {
  readonly resources: Resource[] = [];
  readonly #userId: string;
  readonly #seen = new Set<string>();

  constructor(userId: string) {
    this.#userId = userId;
  }

  quantity(code: Code, value: unknown, unit: Unit, effective: Effective | undefined, key: string): void {
    if (typeof value !== 'number' || !Number.isFinite(value) || !effective) return;
    this.#push(code, effective, key, { valueQuantity: { value, unit: unit.unit, system: UCUM, code: unit.code } });
  }

  dateTime(code: Code, value: unknown, effective: Effective | undefined, key: string): void {
    const when = typeof value === 'string' ? fhirDate(value) : undefined;
    if (!when || !effective) return;
    this.#push(code, effective, key, { valueDateTime: when });
  }

  text(code: Code, value: string | undefined, effective: Effective | undefined, key: string): void {
    if (!value || !effective) return;
    this.#push(code, effective, key, { valueCodeableConcept: { text: value } });
  }

  bloodPressure(systolic: unknown, diastolic: unknown, effective: Effective | undefined, key: string): void {
    if (!effective || (typeof systolic !== 'number' && typeof diastolic !== 'number')) return;
    const component = [
      [C.systolic, systolic],
      [C.diastolic, diastolic],
    ]
      .filter(([, value]) => typeof value === 'number' && Number.isFinite(value))
      .map(([code, value]) => ({
        code: codeable(code as Code),
        valueQuantity: { value, unit: U.mmHg.unit, system: UCUM, code: U.mmHg.code },
      }));
    this.#push(C.bloodPressure, effective, key, { component });
  }

  #push(code: Code, effective: Effective, key: string, value: Obj): void {
    const id = fhirId(`${this.#userId}-${code.code}-${key}`);
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    this.resources.push({
      resourceType: 'Observation',
      id,
      status: 'final',
      category: [{ coding: [{ system: CATEGORY_SYSTEM, code: code.category }] }],
      code: codeable(code),
      subject: { reference: patientReference(this.#userId) },
      ...('dateTime' in effective
        ? { effectiveDateTime: effective.dateTime }
        : { effectivePeriod: { start: effective.start, end: effective.end } }),
      ...value,
    });
  }
}

function codeable(code: Code): Obj {
  const codings = [{ code: code.code, display: code.display }, ...(code.also ?? [])];
  return { coding: codings.map((c) => ({ system: LOINC, code: c.code, display: c.display })), text: code.display };
}

/** Terra ActivityType codes of walking workouts: their distance is LOINC's walking distance. */
const WALKING_TYPES: ReadonlySet<number> = new Set([
  ActivityType.WALKING,
  ActivityType.HIKING,
  ActivityType.WALKING_FITNESS,
  ActivityType.NORDIC_WALKING,
  ActivityType.WALKING_TREADMILL,
  ActivityType.WALKING_STROLLER,
]);

/** A workout's distance code by its activity type: walking distance, else the generic exercise distance. */
function activityDistanceCode(type: unknown): Code {
  return typeof type === 'number' && WALKING_TYPES.has(type) ? C.walkingDistance : C.exerciseDistance;
}

const MAPPERS: Record<string, (record: TerraRecord, b: ObservationBuilder, options: FhirOptions) => void> = {
  activity(record, b, options) {
    const m = obj(record.metadata);
    const period = periodOf(m.start_time, m.end_time);
    const key = `activity-${String(m.summary_id ?? m.start_time)}`;
    b.text(C.exerciseActivity, typeof m.name === 'string' && m.name ? m.name : undefined, period, key);
    b.quantity(C.exerciseDuration, divide(obj(record.active_durations_data).activity_seconds, 60), U.min, period, key);
    b.quantity(C.calories, obj(record.calories_data).total_burned_calories, U.kcal, period, key);
    const distance = obj(obj(record.distance_data).summary);
    b.quantity(activityDistanceCode(m.type), distance.distance_meters, U.m, period, key);
    b.quantity(C.steps, distance.steps, U.steps, period, key);
    const heart = obj(record.heart_rate_data);
    b.quantity(C.meanHeartRate, obj(heart.summary).avg_hr_bpm, U.perMin, period, `${key}-avg`);
    b.quantity(C.maxHeartRate, obj(heart.summary).max_hr_bpm, U.perMin, period, `${key}-max`);
    if (options.withSamples) heartRateSamples(b, obj(heart.detailed).hr_samples, key);
  },
  body(record, b, options) {
    const m = obj(record.metadata);
    const day = periodOf(m.start_time, m.end_time);
    const key = `body-${String(m.start_time)}`;
    for (const [i, sample] of arr(obj(record.measurements_data).measurements).entries()) {
      const at = instant(sample.measurement_time) ?? day;
      const k = `${key}-m${i}`;
      b.quantity(C.weight, sample.weight_kg, U.kg, at, k);
      b.quantity(C.height, sample.height_cm, U.cm, at, k);
      b.quantity(C.bmi, sample.BMI, U.bmi, at, k);
      b.quantity(C.bodyFat, sample.bodyfat_percentage, U.percent, at, k);
    }
    for (const [i, sample] of arr(obj(record.blood_pressure_data).blood_pressure_samples).entries()) {
      b.bloodPressure(sample.systolic_bp, sample.diastolic_bp, instant(sample.timestamp), `${key}-bp${i}`);
    }
    for (const [i, sample] of arr(obj(record.temperature_data).body_temperature_samples).entries()) {
      b.quantity(C.bodyTemperature, sample.temperature_celsius, U.celsius, instant(sample.timestamp), `${key}-t${i}`);
    }
    const oxygen = obj(record.oxygen_data);
    for (const [i, sample] of arr(oxygen.saturation_samples).entries()) {
      if (sample.type === undefined || sample.type === 0)
        b.quantity(C.spo2, sample.percentage, U.percent, instant(sample.timestamp), `${key}-o${i}`);
    }
    b.quantity(C.spo2, oxygen.avg_saturation_percentage, U.percent, day, `${key}-oavg`);
    for (const [i, sample] of arr(obj(record.glucose_data).blood_glucose_samples).entries()) {
      b.quantity(C.glucose, sample.blood_glucose_mg_per_dL, U.mgPerDl, instant(sample.timestamp), `${key}-g${i}`);
    }
    const heart = obj(obj(record.heart_data).heart_rate_data);
    b.quantity(C.restingHeartRate, obj(heart.summary).resting_hr_bpm, U.perMin, day, key);
    b.quantity(C.heartRate, obj(heart.summary).avg_hr_bpm, U.perMin, day, `${key}-avg`);
    if (options.withSamples) heartRateSamples(b, obj(heart.detailed).hr_samples, key);
  },
  daily(record, b, options) {
    const m = obj(record.metadata);
    const day = periodOf(m.start_time, m.end_time);
    const key = `daily-${String(m.start_time)}`;
    const distance = obj(record.distance_data);
    b.quantity(C.dailySteps, distance.steps, U.steps, day, key);
    // A day's distance covers every kind of movement: the generic code, not walking's.
    b.quantity(C.distanceTraveled, distance.distance_meters, U.m, day, key);
    b.quantity(C.dailyCalories, obj(record.calories_data).total_burned_calories, U.kcal, day, key);
    const heart = obj(record.heart_rate_data);
    b.quantity(C.restingHeartRate, obj(heart.summary).resting_hr_bpm, U.perMin, day, key);
    b.quantity(C.heartRate, obj(heart.summary).avg_hr_bpm, U.perMin, day, `${key}-avg`);
    if (options.withSamples) heartRateSamples(b, obj(heart.detailed).hr_samples, key);
  },
  sleep(record, b, options) {
    const m = obj(record.metadata);
    const period = periodOf(m.start_time, m.end_time);
    const key = `sleep-${String(m.summary_id ?? m.start_time)}`;
    const asleep = obj(obj(record.sleep_durations_data).asleep);
    b.quantity(C.sleepDuration, divide(asleep.duration_asleep_state_seconds, 3600), U.h, period, key);
    b.quantity(C.deepSleep, divide(asleep.duration_deep_sleep_state_seconds, 3600), U.h, period, key);
    b.quantity(C.lightSleep, divide(asleep.duration_light_sleep_state_seconds, 3600), U.h, period, key);
    b.quantity(C.remSleep, divide(asleep.duration_REM_sleep_state_seconds, 3600), U.h, period, key);
    b.quantity(
      C.respiratoryRate,
      obj(obj(record.respiration_data).breaths_data).avg_breaths_per_min,
      U.breathsPerMin,
      period,
      key,
    );
    const heart = obj(record.heart_rate_data);
    b.quantity(C.heartRate, obj(heart.summary).avg_hr_bpm, U.perMin, period, `${key}-avg`);
    b.quantity(C.restingHeartRate, obj(heart.summary).resting_hr_bpm, U.perMin, period, key);
    if (options.withSamples) heartRateSamples(b, obj(heart.detailed).hr_samples, key);
  },
  nutrition(record, b) {
    const m = obj(record.metadata);
    b.quantity(
      C.calorieIntake,
      obj(obj(record.summary).macros).calories,
      U.kcal,
      periodOf(m.start_time, m.end_time),
      `nutrition-${String(m.start_time)}`,
    );
  },
  menstruation(record, b) {
    const m = obj(record.metadata);
    b.dateTime(
      C.lastPeriod,
      obj(record.menstruation_data).period_start_date,
      periodOf(m.start_time, m.end_time),
      `menstruation-${String(m.start_time)}`,
    );
  },
};

function heartRateSamples(b: ObservationBuilder, samples: unknown, key: string): void {
  for (const sample of arr(samples))
    b.quantity(C.heartRate, sample.bpm, U.perMin, instant(sample.timestamp), `${key}-${String(sample.timestamp)}`);
}

function obj(value: unknown): Obj {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
}

function arr(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter((v): v is Obj => Boolean(v) && typeof v === 'object') : [];
}

function divide(value: unknown, by: number): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.round((value / by) * 1000) / 1000 : undefined;
}

/**
 * FHIR dateTime: a time needs a zone. Terra timestamps without an offset are the user's
 * local time with the zone unknown; FHIR cannot say that, so they are given as UTC.
 */
export function fhirDateTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!match) return undefined;
  const time = match[2].length === 5 ? `${match[2]}:00` : match[2];
  const zone =
    match[3] === undefined
      ? 'Z'
      : match[3] === 'Z'
        ? 'Z'
        : match[3].includes(':')
          ? match[3]
          : `${match[3].slice(0, 3)}:${match[3].slice(3)}`;
  return `${match[1]}T${time}${zone}`;
}

function fhirDate(value: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return value.trim();
  return fhirDateTime(value);
}

function instant(value: unknown): Effective | undefined {
  const dateTime = fhirDateTime(value);
  return dateTime ? { dateTime } : undefined;
}

function periodOf(start: unknown, end: unknown): Effective | undefined {
  const s = fhirDateTime(start);
  const e = fhirDateTime(end);
  if (s && e) return { start: s, end: e };
  return s ? { dateTime: s } : undefined;
}

/** A FHIR id ([A-Za-z0-9-.]{1,64}) for any text: the text itself when it fits, else a hash. */
function fhirId(text: string): string {
  return /^[A-Za-z0-9\-.]{1,64}$/.test(text) ? text : createHash('sha256').update(text).digest('hex').slice(0, 32);
}

function uuidOf(kind: string, id: string): string {
  const h = createHash('sha256').update(`${kind}/${id}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
