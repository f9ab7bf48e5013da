import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DataType, TerraRecord } from '../../model/data-types.ts';
import { validateRecord } from '../../model/validate.ts';
import { mergeItemOf, supersedes } from './garmin-bundles.ts';
import { isoAt, normalizeMenstruation, normalizeSleep } from './garmin-normalize.ts';
import { garminRawNormalizer } from './garmin-replay.ts';

type Json = Record<string, unknown>;
const fixture = <T = Json>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

function expectTerra(type: DataType, record: unknown): void {
  expect(validateRecord(type, record, { nulls: 'strict' })).toEqual([]);
}

/** Feeds summaries through the merge path as notifications would; the last stored body and its records. */
function merged(parts: [string, Json][]): { externalId: string; body: Buffer; records: TerraRecord[] } {
  let body: Buffer | undefined;
  let externalId = '';
  let records: TerraRecord[] = [];
  for (const [type, summary] of parts) {
    const item = mergeItemOf(type, summary)!;
    expect(item, `${type} is placed`).toBeDefined();
    if (externalId) expect(item.externalId).toBe(externalId);
    externalId = item.externalId;
    const result = item.merge(body);
    if (result) {
      body = Buffer.from(result.body);
      records = result.records;
    }
  }
  return { externalId, body: body!, records };
}

const at = (record: TerraRecord, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value as Json | undefined)?.[key], record);

describe('Garmin normalizers', () => {
  it('a day: dailies, epochs, stress details, pulse ox, user metrics and HRV make one Daily', () => {
    const { externalId, records } = merged([
      ['dailies', { ...fixture('dailies.json'), userId: 'u1', userAccessToken: 'legacy' }],
      ...fixture<Json[]>('epochs.json').map((e): [string, Json] => ['epochs', e]),
      ['stressDetails', fixture('stress-details.json')],
      ['pulseox', fixture('pulseox.json')],
      ['userMetrics', fixture('user-metrics.json')],
      ['hrv', fixture('hrv.json')],
    ]);
    expect(externalId).toBe('daily:2023-09-01');
    const [daily] = records;
    expectTerra('daily', daily);
    expect(daily.metadata).toEqual({
      start_time: '2023-09-01T00:00:00.000000+02:00',
      end_time: '2023-09-02T00:00:00.000000+02:00',
      upload_type: 1,
    });
    expect(daily).toMatchObject({
      distance_data: { steps: 9120, distance_meters: 7034.5, floors_climbed: 9 },
      calories_data: { net_activity_calories: 512, BMR_calories: 1690, total_burned_calories: 2202 },
      active_durations_data: {
        activity_seconds: 5340,
        moderate_intensity_seconds: 1260,
        vigorous_intensity_seconds: 420,
      },
      stress_data: {
        avg_stress_level: 31,
        max_stress_level: 92,
        stress_duration_seconds: 14400,
        high_stress_duration_seconds: 1800,
        stress_rating: 2,
      },
      oxygen_data: { avg_saturation_percentage: 96, vo2max_ml_per_min_per_kg: 48 },
    });
    const hr = daily.heart_rate_data as { summary: Json; detailed: { hr_samples: Json[]; hrv_samples_rmssd: Json[] } };
    // The 7-day averageHeartRate is not the day's; a sample of 0 is no reading.
    expect(hr.summary).toEqual({
      avg_hr_bpm: 65.8,
      min_hr_bpm: 48,
      max_hr_bpm: 151,
      resting_hr_bpm: 52,
      avg_hrv_rmssd: 44,
    });
    expect(hr.detailed.hr_samples.map((s) => s.bpm)).toEqual([56, 58, 61, 88]);
    expect(hr.detailed.hr_samples[0]).toEqual({ timestamp: '2023-09-01T00:00:15.000000+02:00', bpm: 56 });
    expect(hr.detailed.hrv_samples_rmssd).toHaveLength(3);
    // Stress codes −1/−2 are not levels.
    expect((at(daily, 'stress_data.samples') as Json[]).map((s) => s.level)).toEqual([18, 22, 45]);
    expect(at(daily, 'stress_data.body_battery_samples')).toHaveLength(3);
    // Two epochs in one slice are summed; cumulative steps; the slice's MET is duration-weighted.
    expect(at(daily, 'distance_data.detailed.step_samples')).toEqual([
      { timestamp: '2023-09-01T06:00:00.000000+02:00', steps: 0 },
      { timestamp: '2023-09-01T06:15:00.000000+02:00', steps: 612 },
    ]);
    expect(at(daily, 'MET_data.MET_samples')).toEqual([
      { timestamp: '2023-09-01T06:00:00.000000+02:00', level: 1 },
      { timestamp: '2023-09-01T06:15:00.000000+02:00', level: 2.67 },
    ]);
    expect((at(daily, 'active_durations_data.activity_levels_samples') as Json[]).map((s) => s.level)).toEqual([2, 4]);
    expect((at(daily, 'oxygen_data.saturation_samples') as Json[]).map((s) => s.percentage)).toEqual([96, 95, 97]);
  });

  it('a day with only epochs keeps every block Garmin did not send absent', () => {
    const { records } = merged(fixture<Json[]>('epochs.json').map((e): [string, Json] => ['epochs', e]));
    const [daily] = records;
    expectTerra('daily', daily);
    expect(Object.keys(daily).sort()).toEqual([
      'MET_data',
      'active_durations_data',
      'calories_data',
      'distance_data',
      'metadata',
    ]);
    expect(daily.calories_data).toEqual({
      calorie_samples: [
        { timestamp: '2023-09-01T06:00:00.000000+02:00', calories: 2 },
        { timestamp: '2023-09-01T06:15:00.000000+02:00', calories: 25 },
      ],
    });
  });

  it('merging keeps the newest: a shorter (older) version arriving late and a duplicate change nothing', () => {
    const full = fixture('dailies.json');
    const partial = { ...full, durationInSeconds: 43200, steps: 4100 };
    const item = mergeItemOf('dailies', full)!;
    const stored = Buffer.from(item.merge(undefined)!.body);
    expect(mergeItemOf('dailies', partial)!.merge(stored)).toBeUndefined();
    expect(mergeItemOf('dailies', { ...full, userId: 'someone' })!.merge(stored)).toBeUndefined();
    // A longer version (the day went on) replaces the stored one.
    const longer = mergeItemOf('dailies', { ...partial, durationInSeconds: 86400, steps: 9999 })!.merge(stored)!;
    expect(at(longer.records[0], 'distance_data.steps')).toBe(9999);
    // mct: newer when lastUpdatedTimeInSeconds is.
    const mct = fixture('mct.json');
    expect(supersedes({ ...mct, dayInCycle: 10, lastUpdatedTimeInSeconds: 1 }, mct)).toBe(false);
    expect(supersedes({ ...mct, lastUpdatedTimeInSeconds: 1610409700 }, mct)).toBe(true);
  });

  it('a sleep: stages, hypnogram in Terra levels, score, respiration and SpO2', () => {
    const { externalId, records } = merged([['sleeps', fixture('sleep.json')]]);
    expect(externalId).toBe('sleep:x3a2b1c-64f0f0c8-6ea0');
    const [sleep] = records;
    expectTerra('sleep', sleep);
    expect(sleep.metadata).toEqual({
      summary_id: 'x3a2b1c-64f0f0c8-6ea0',
      start_time: '2023-08-31T23:00:00.000000+02:00',
      end_time: '2023-09-01T06:30:00.000000+02:00',
      is_nap: false,
      upload_type: 2,
    });
    expect(sleep.sleep_durations_data).toMatchObject({
      asleep: {
        duration_asleep_state_seconds: 25200,
        duration_deep_sleep_state_seconds: 5400,
        duration_light_sleep_state_seconds: 14400,
        duration_REM_sleep_state_seconds: 5400,
      },
      awake: { duration_awake_state_seconds: 1800 },
      other: { duration_in_bed_seconds: 27000, duration_unmeasurable_sleep_seconds: 0 },
    });
    expect((at(sleep, 'sleep_durations_data.hypnogram_samples') as Json[]).map((s) => s.level)).toEqual([4, 5, 6, 1]);
    expect(sleep.scores).toEqual({ sleep: 83 });
    expect(at(sleep, 'respiration_data.breaths_data')).toMatchObject({
      avg_breaths_per_min: 14.4,
      min_breaths_per_min: 13.8,
      max_breaths_per_min: 15.1,
    });
    expect(at(sleep, 'respiration_data.oxygen_saturation_data.avg_saturation_percentage')).toBe(95);
  });

  it('an off-wrist sleep: only start, end and the zeros Garmin sent', () => {
    const sleep = normalizeSleep(fixture('sleep-off-wrist.json'))!;
    expectTerra('sleep', sleep);
    expect(sleep.metadata).toMatchObject({ upload_type: 2, start_time: '2021-01-28T22:31:00.000000+09:00' });
    expect(sleep.respiration_data).toBeUndefined();
    expect(sleep.scores).toBeUndefined();
    expect(
      normalizeSleep({ summaryId: 'x', validation: 'AUTO_TENTATIVE', startTimeInSeconds: 10, durationInSeconds: 5 })!
        .metadata,
    ).toMatchObject({ upload_type: 3 });
    expect(normalizeSleep({ summaryId: 'x' })).toBeUndefined();
  });

  it('an activity and its details (either first): summary, samples, positions and laps', () => {
    for (const order of [
      ['activities', 'activityDetails'],
      ['activityDetails', 'activities'],
    ]) {
      const parts = order.map((type): [string, Json] => [
        type,
        fixture(type === 'activities' ? 'activity.json' : 'activity-details.json'),
      ]);
      const { externalId, records } = merged(parts);
      expect(externalId).toBe('activity:9041852211');
      const [activity] = records;
      expectTerra('activity', activity);
      expect(activity.metadata).toEqual({
        summary_id: '9041852211',
        name: 'Lunch Run',
        type: 8,
        start_time: '2023-09-01T12:00:00.000000+02:00',
        end_time: '2023-09-01T12:30:00.000000+02:00',
        upload_type: 1,
      });
      expect(activity).toMatchObject({
        device_data: { name: 'Forerunner 965' },
        calories_data: { total_burned_calories: 402 },
        distance_data: { summary: { distance_meters: 5221, steps: 4980, elevation: { gain_actual_meters: 121 } } },
        movement_data: { avg_speed_meters_per_second: 2.9, avg_cadence_rpm: 166, max_cadence_rpm: 182 },
        position_data: { start_pos_lat_lng_deg: [47.3769, 8.5417], end_pos_lat_lng_deg: [47.377, 8.5419] },
        power_data: { avg_watts: 270, max_watts: 289 },
      });
      expect((at(activity, 'heart_rate_data.detailed.hr_samples') as Json[]).map((s) => s.bpm)).toEqual([96, 112, 155]);
      expect(at(activity, 'position_data.position_samples')).toHaveLength(2);
      expect(at(activity, 'lap_data.laps')).toEqual([
        { start_time: '2023-09-01T12:00:00.000000+02:00', end_time: '2023-09-01T12:15:00.000000+02:00' },
        { start_time: '2023-09-01T12:15:00.000000+02:00', end_time: '2023-09-01T12:30:00.000000+02:00' },
      ]);
    }
  });

  it('details alone give an activity from their summary; a manual one is marked manual', () => {
    const { records } = merged([['activityDetails', fixture('activity-details.json')]]);
    expectTerra('activity', records[0]);
    expect(records[0].device_data).toBeUndefined();
    const manual = merged([
      [
        'manuallyUpdatedActivities',
        {
          summaryId: 'm-1',
          activityType: 'YOGA',
          startTimeInSeconds: 1693562400,
          durationInSeconds: 600,
          manual: true,
          deviceName: 'unknown',
        },
      ],
    ]).records[0];
    expectTerra('activity', manual);
    expect(manual.metadata).toMatchObject({ summary_id: 'm-1', type: 100, upload_type: 2 });
    expect(manual.device_data).toBeUndefined();
  });

  it('body composition and blood pressure of one day make one Body (grams to kilograms)', () => {
    const { externalId, records } = merged([
      ['bodyComps', fixture('body-comps.json')],
      ['bloodPressures', fixture('blood-pressure.json')],
    ]);
    expect(externalId).toBe('body:2015-08-16');
    const [body] = records;
    expectTerra('body', body);
    expect(body).toEqual({
      metadata: { start_time: '2015-08-16T00:00:00.000000+00:00', end_time: '2015-08-17T00:00:00.000000+00:00' },
      measurements_data: {
        measurements: [
          {
            measurement_time: '2015-08-16T16:05:30.000000+00:00',
            weight_kg: 75.45,
            bodyfat_percentage: 17.1,
            water_percentage: 59.4,
            BMI: 23.2,
            bone_mass_g: 2437,
            muscle_mass_g: 25478,
          },
        ],
      },
      blood_pressure_data: {
        blood_pressure_samples: [{ timestamp: '2015-08-16T18:00:00.000000+00:00', systolic_bp: 121, diastolic_bp: 79 }],
      },
    });
  });

  it('menstrual cycle tracking → the day it describes', () => {
    const { externalId, records } = merged([['mct', fixture('mct.json')]]);
    expect(externalId).toBe('menstruation:2021-01-12');
    expectTerra('menstruation', records[0]);
    expect(records[0]).toEqual({
      metadata: { start_time: '2021-01-12T00:00:00.000000', end_time: '2021-01-13T00:00:00.000000' },
      menstruation_data: {
        period_start_date: '2021-01-04',
        day_in_cycle: 9,
        period_length_days: 5,
        current_phase: 'follicular',
        length_of_current_phase_days: 8,
        days_until_next_phase: 3,
        predicted_cycle_length_days: 28,
        cycle_length_days: '29',
        is_predicted_cycle: 'true',
        last_updated_time: '2021-01-12T00:00:00.000000+00:00',
      },
    });
    expect(
      normalizeMenstruation({ ...fixture('mct.json'), currentPhaseType: 'SECOND_TRIMESTER' })!.menstruation_data,
    ).toMatchObject({ current_phase: 'second_trimester' });
    expect(
      normalizeMenstruation({ ...fixture('mct.json'), currentPhaseType: 'SOMETHING_NEW' })!.menstruation_data,
    ).toMatchObject({ current_phase: 'unknown' });
  });

  it('replay rebuilds the same records from the stored bodies alone', async () => {
    const cases: [DataType, [string, Json][]][] = [
      [
        'daily',
        [
          ['dailies', fixture('dailies.json')],
          ['stressDetails', fixture('stress-details.json')],
        ],
      ],
      ['sleep', [['sleeps', fixture('sleep.json')]]],
      [
        'activity',
        [
          ['activities', fixture('activity.json')],
          ['activityDetails', fixture('activity-details.json')],
        ],
      ],
      ['body', [['bodyComps', fixture('body-comps.json')]]],
      ['menstruation', [['mct', fixture('mct.json')]]],
    ];
    for (const [dataType, parts] of cases) {
      const { externalId, body, records } = merged(parts);
      const replayed = await garminRawNormalizer.normalize(
        { dataType, externalId, contentType: 'application/json', body },
        () => Promise.resolve(undefined),
      );
      expect(replayed, dataType).toEqual(records);
    }
  });

  it('unplaceable or malformed summaries give no merge and no record', () => {
    expect(mergeItemOf('healthSnapshot', fixture('dailies.json'))).toBeUndefined();
    expect(mergeItemOf('epochs', { summaryId: 'x' })).toBeUndefined();
    expect(mergeItemOf('sleeps', { calendarDate: '2023-09-01' })).toBeUndefined();
    expect(mergeItemOf('mct', { summaryId: 'x', periodStartDate: 'soon' })).toBeUndefined();
    const broken = mergeItemOf('activities', { summaryId: '77', startTimeInSeconds: 'noon' })!.merge(undefined)!;
    expect(broken.records).toEqual([]); // kept raw, nothing invented
    expect(isoAt(0, -16200)).toBe('1969-12-31T19:30:00.000000-04:30');
  });
});
