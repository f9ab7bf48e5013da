import type { TerraRecord } from '../../../model/data-types.ts';
import { ACTIVITY_SUMMARY_TYPE, HK, QUANTITY_TYPES, STAND_HOUR_TYPE } from '../hk-types.ts';
import { precedenceSum } from '../priority.ts';
import type { SampleRow } from '../samples.ts';
import { average, compact, dayMetadata, minMax, ofType, round, timestamp } from './common.ts';

const DAILY_TYPES = new Set([
  ...Object.entries(QUANTITY_TYPES)
    .filter(([, info]) => info.group === 'daily')
    .map(([type]) => type),
  STAND_HOUR_TYPE,
  ACTIVITY_SUMMARY_TYPE,
  `${HK}OxygenSaturation`,
]);

/**
 * Terra Daily for one local date from that day's samples. Cumulative totals use source
 * precedence (priority.ts); when a day has no energy/exercise/stand samples but has an
 * activity summary (rings), the summary's figures are used.
 */
export function normalizeDaily(date: string, rows: readonly SampleRow[]): TerraRecord | undefined {
  const day = rows.filter((row) => DAILY_TYPES.has(row.type));
  if (day.length === 0) return undefined;
  const sum = (type: string): number | undefined => {
    const samples = ofType(day, type);
    return samples.length === 0 ? undefined : precedenceSum(samples);
  };
  const summary = day.find((row) => row.type === ACTIVITY_SUMMARY_TYPE)?.meta ?? undefined;
  const summaryNumber = (key: string) => (typeof summary?.[key] === 'number' ? summary[key] : undefined);

  const steps = sum(`${HK}StepCount`);
  const walking = sum(`${HK}DistanceWalkingRunning`);
  const wheelchair = sum(`${HK}DistanceWheelchair`);
  const distance = walking === undefined && wheelchair === undefined ? undefined : (walking ?? 0) + (wheelchair ?? 0);
  const floors = sum(`${HK}FlightsClimbed`);
  const strokes = sum(`${HK}SwimmingStrokeCount`);
  const active = sum(`${HK}ActiveEnergyBurned`) ?? summaryNumber('activeEnergyBurnedKcal');
  const basal = sum(`${HK}BasalEnergyBurned`);
  const exercise = sum(`${HK}AppleExerciseTime`) ?? summaryNumber('appleExerciseTimeSeconds');
  const standing = sum(`${HK}AppleStandTime`);
  const standHours = day.filter((row) => row.type === STAND_HOUR_TYPE);
  const stoodHours =
    standHours.length > 0
      ? standHours.filter((row) => row.textValue === 'HKCategoryValueAppleStandHourStood').length
      : summaryNumber('appleStandHours');

  const hr = ofType(day, `${HK}HeartRate`);
  const hrValues = hr.map((row) => row.value!);
  const { min: hrMin, max: hrMax } = minMax(hrValues);
  const resting = ofType(day, `${HK}RestingHeartRate`).at(-1)?.value ?? undefined;
  const hrv = ofType(day, `${HK}HeartRateVariabilitySDNN`);
  const spo2 = ofType(day, `${HK}OxygenSaturation`);
  const vo2 = ofType(day, `${HK}VO2Max`);
  const r = (v: number | undefined, d = 6) => (v === undefined ? undefined : round(v, d));

  return {
    metadata: { ...dayMetadata(date, day), upload_type: 1 },
    distance_data: compact({
      steps: steps === undefined ? undefined : Math.round(steps),
      distance_meters: r(distance, 3),
      floors_climbed: floors === undefined ? undefined : Math.round(floors),
      swimming: strokes === undefined ? undefined : { num_strokes: Math.round(strokes) },
    }),
    calories_data: compact({
      net_activity_calories: r(active, 3),
      BMR_calories: r(basal, 3),
      total_burned_calories: active !== undefined && basal !== undefined ? round(active + basal, 3) : undefined,
    }),
    active_durations_data: compact({
      activity_seconds: r(exercise, 3),
      standing_seconds: r(standing, 3),
      standing_hours_count: stoodHours,
    }),
    heart_rate_data: compact({
      summary: compact({
        avg_hr_bpm: r(average(hrValues), 3),
        min_hr_bpm: hrMin,
        max_hr_bpm: hrMax,
        resting_hr_bpm: resting,
        avg_hrv_sdnn: r(average(hrv.map((row) => row.value!)), 3),
      }),
      detailed: compact({
        hr_samples: hr.map((row) => ({ timestamp: timestamp(row), bpm: row.value! })),
        hrv_samples_sdnn: hrv.map((row) => ({ timestamp: timestamp(row), hrv_sdnn: row.value! })),
      }),
    }),
    oxygen_data: compact({
      avg_saturation_percentage: r(average(spo2.map((row) => row.value!)), 3),
      saturation_samples: spo2.map((row) => ({ timestamp: timestamp(row), percentage: round(row.value!, 3), type: 0 })),
      vo2max_ml_per_min_per_kg: vo2.at(-1)?.value ?? undefined,
      vo2_samples: vo2.map((row) => ({ timestamp: timestamp(row), vo2max_ml_per_min_per_kg: row.value! })),
    }),
  };
}
