import { TributaryError } from '../../core/errors.ts';
import { ACTIVITY_SUMMARY_TYPE, categoryValueName, QUANTITY_TYPES } from './hk-types.ts';
import { bucketFor, type SampleRow } from './samples.ts';
import { localMidnightMs, toCanonical, type LocalInstant } from './units.ts';

/** Metadata keys kept with a sample (the ones a normalizer reads). */
const KEPT_METADATA = ['HKMenstrualCycleStart', 'HKWasUserEntered'];

export interface SampleInput {
  /** HealthKit UUID; absent for export records (the natural key, type + source + start + end, dedupes those). */
  uuid?: string;
  type: string;
  start: LocalInstant;
  end: LocalInstant;
  sourceName: string;
  tier: number;
  metadata?: Record<string, unknown>;
}

function base(input: SampleInput): SampleRow {
  let meta: Record<string, string | number> | null = null;
  if (input.metadata) {
    for (const key of KEPT_METADATA) {
      const value = input.metadata[key];
      if (value === undefined) continue;
      meta ??= {};
      meta[key] = typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'number' ? value : String(value);
    }
  }
  return {
    uuid: input.uuid ?? null,
    type: input.type,
    sourceName: input.sourceName,
    startMs: input.start.ms,
    endMs: input.end.ms,
    offsetMin: input.start.offsetMin,
    bucket: bucketFor(input.type, input.start.ms, input.start.offsetMin),
    value: null,
    textValue: null,
    priority: input.tier,
    meta,
  };
}

/**
 * A quantity sample in its type's canonical unit; undefined for a type Tributary does not
 * normalize. Throws a `bad_request` for a unit that does not fit the type.
 */
export function quantityRow(input: SampleInput & { value: number; unit: string | undefined }): SampleRow | undefined {
  const info = QUANTITY_TYPES[input.type];
  if (!info) return undefined;
  let value: number;
  if (info.units) {
    if (!info.units.includes(input.unit ?? '')) {
      throw new TributaryError(
        'bad_request',
        `${input.type}: unit ${JSON.stringify(input.unit)} is not one of ${info.units.filter(Boolean).join(', ')}`,
        { parameter: 'unit' },
      );
    }
    value = input.value;
  } else {
    value = toCanonical(input.value, input.unit, info.dimension, input.type);
  }
  const row = base(input);
  row.value = value;
  row.textValue = null;
  return row;
}

/** A category sample with its value's canonical name; undefined for an unknown type or value. */
export function categoryRow(input: SampleInput & { value: number | string }): SampleRow | undefined {
  const name = categoryValueName(input.type, input.value);
  if (name === undefined) return undefined;
  const row = base(input);
  row.value = null;
  row.textValue = name;
  return row;
}

export interface ActivitySummaryInput {
  date: string;
  offsetMin: number;
  activeEnergyBurnedKcal?: number;
  activeEnergyBurnedGoalKcal?: number;
  appleExerciseTimeSeconds?: number;
  appleExerciseTimeGoalSeconds?: number;
  appleStandHours?: number;
  appleStandHoursGoal?: number;
}

/** An activity summary (rings) as a pseudo-sample of its day, one per date. */
export function activitySummaryRow(input: ActivitySummaryInput): SampleRow {
  const start = localMidnightMs(input.date, input.offsetMin);
  const meta: Record<string, number> = {};
  for (const [key, value] of Object.entries(input))
    if (key !== 'date' && key !== 'offsetMin' && typeof value === 'number' && Number.isFinite(value)) meta[key] = value;
  return {
    uuid: null,
    type: ACTIVITY_SUMMARY_TYPE,
    sourceName: 'Activity',
    startMs: start,
    endMs: start + 86_400_000,
    offsetMin: input.offsetMin,
    bucket: input.date,
    value: null,
    textValue: null,
    priority: 0,
    meta,
  };
}
