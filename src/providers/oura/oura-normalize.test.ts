import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateRecord } from '../../model/validate.ts';
import type { DataType } from '../../model/data-types.ts';
import {
  normalizeAthlete,
  normalizeDaily,
  normalizeSleep,
  normalizeWorkout,
  shiftIso,
  type OuraDayBundle,
} from './oura-normalize.ts';

const fixture = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

function expectTerra(type: DataType, record: unknown): void {
  expect(validateRecord(type, record, { nulls: 'strict' })).toEqual([]);
}

describe('Oura normalizers', () => {
  it('a long sleep: stages, hypnogram in Terra levels, HR and HRV series (nulls and invalid values dropped), readiness', () => {
    const sleep = normalizeSleep(fixture('sleep-long.json'))!;
    expectTerra('sleep', sleep);
    expect(sleep.metadata).toEqual({
      summary_id: '8f9a5221-639e-4a85-81cb-4065ef23f979',
      start_time: '2022-07-12T01:05:14-07:00',
      end_time: '2022-07-12T09:25:14-07:00',
      is_nap: false,
      upload_type: 2,
    });
    expect(sleep.sleep_durations_data).toMatchObject({
      asleep: {
        duration_asleep_state_seconds: 25200,
        duration_deep_sleep_state_seconds: 4170,
        duration_light_sleep_state_seconds: 18750,
        duration_REM_sleep_state_seconds: 2280,
      },
      awake: { duration_awake_state_seconds: 4800, sleep_latency_seconds: 540 },
      other: { duration_in_bed_seconds: 30000 },
      sleep_efficiency: 84,
    });
    // sleep_phase_5_min "4422113334": 4 awake→1, 2 light→4, 1 deep→5, 3 REM→6, every 300 s.
    const hypnogram = (sleep.sleep_durations_data as { hypnogram_samples: { timestamp: string; level: number }[] })
      .hypnogram_samples;
    expect(hypnogram.map((s) => s.level)).toEqual([1, 1, 4, 4, 5, 5, 6, 6, 6, 1]);
    expect(hypnogram[1].timestamp).toBe('2022-07-12T01:10:14.000000-07:00');
    const hr = sleep.heart_rate_data as Record<string, Record<string, unknown>>;
    expect(hr.summary).toEqual({ avg_hr_bpm: 54.25, min_hr_bpm: 48, resting_hr_bpm: 48, avg_hrv_rmssd: 117 });
    expect(hr.detailed.hr_samples).toEqual([
      { timestamp: '2022-07-12T01:10:14.000000-07:00', bpm: 50 },
      { timestamp: '2022-07-12T01:15:14.000000-07:00', bpm: 46 },
      { timestamp: '2022-07-12T01:20:14.000000-07:00', bpm: 48 },
      { timestamp: '2022-07-12T01:30:14.000000-07:00', bpm: 51 },
    ]);
    expect((hr.detailed.hrv_samples_rmssd as unknown[]).length).toBe(3); // null and -5 dropped
    expect(sleep.respiration_data).toEqual({ breaths_data: { avg_breaths_per_min: 12.625 } });
    expect(sleep.readiness_data).toEqual({ readiness: 66 });
    expect(sleep.temperature_data).toEqual({ delta: -0.2 });
  });

  it('a sparse nap: only what Oura sent, nothing invented', () => {
    const nap = normalizeSleep(fixture('sleep-nap-sparse.json'))!;
    expectTerra('sleep', nap);
    expect(nap).toEqual({
      metadata: {
        summary_id: 'nap-2022-07-12',
        start_time: '2022-07-12T14:00:00+02:00',
        end_time: '2022-07-12T14:40:00+02:00',
        is_nap: true,
        upload_type: 2,
      },
      sleep_durations_data: {
        asleep: { duration_asleep_state_seconds: 1800 },
        other: { duration_in_bed_seconds: 2400 },
      },
    });
  });

  it('periods Oura marks deleted or rejected, and malformed documents, give no record', () => {
    const sleep = fixture('sleep-long.json');
    expect(normalizeSleep({ ...sleep, type: 'deleted' })).toBeUndefined();
    expect(normalizeSleep({ ...sleep, type: 'rest' })).toBeUndefined();
    expect(normalizeSleep({ ...sleep, bedtime_start: 'yesterday' })).toBeUndefined();
    expect(normalizeSleep({ id: 42 })).toBeUndefined();
    expect(normalizeWorkout({ id: 'x', start_datetime: null })).toBeUndefined();
    expect(normalizeDaily({ day: 'not-a-day' })).toBeUndefined();
    expect(normalizeAthlete({})).toBeUndefined();
  });

  it('a day: activity, scores, readiness contributors, SpO2, stress, MET and heart-rate samples', () => {
    const daily = normalizeDaily(fixture<OuraDayBundle>('daily-bundle.json'))!;
    expectTerra('daily', daily);
    expect(daily.metadata).toEqual({
      start_time: '2021-11-26T00:00:00.000000-08:00',
      end_time: '2021-11-27T00:00:00.000000-08:00',
      upload_type: 1,
    });
    expect(daily).toMatchObject({
      distance_data: { steps: 18430, distance_meters: 20122 },
      calories_data: { total_burned_calories: 3446, net_activity_calories: 1222 },
      active_durations_data: {
        vigorous_intensity_seconds: 3000,
        moderate_intensity_seconds: 6060,
        low_intensity_seconds: 10020,
        inactivity_seconds: 21000,
        rest_seconds: 18840,
      },
      scores: { activity: 82, sleep: 63, recovery: 66 },
      oxygen_data: { avg_saturation_percentage: 97.2 },
      stress_data: { high_stress_duration_seconds: 3600 },
      heart_rate_data: { summary: { avg_hr_bpm: 83.3, max_hr_bpm: 118, min_hr_bpm: 60 } },
    });
    const contributors = (daily.data_enrichment as { readiness_contributors: { contributor_name: string }[] })
      .readiness_contributors;
    expect(contributors.map((c) => c.contributor_name)).not.toContain('previous_day_activity'); // null in Oura's doc
    expect((daily.MET_data as { MET_samples: unknown[] }).MET_samples).toHaveLength(4);
  });

  it('a day with only a sleep score keeps every other block absent', () => {
    const daily = normalizeDaily(fixture<OuraDayBundle>('daily-sleep-only.json'))!;
    expectTerra('daily', daily);
    expect(daily).toEqual({
      metadata: {
        start_time: '2021-11-27T00:00:00.000000+00:00',
        end_time: '2021-11-28T00:00:00.000000+00:00',
        upload_type: 1,
      },
      scores: { sleep: 71 },
    });
    expect(normalizeDaily({ day: '2021-11-28' })).toBeUndefined();
  });

  it('a workout: type from Oura’s activity name, calories, distance, manual upload', () => {
    const activity = normalizeWorkout(fixture('workout.json'))!;
    expectTerra('activity', activity);
    expect(activity).toEqual({
      metadata: {
        summary_id: 'wk-2021-01-01',
        name: 'cycling',
        type: 1,
        start_time: '2021-01-01T01:30:00.000000+00:00',
        end_time: '2021-01-01T02:00:00.000000+00:00',
        upload_type: 2,
      },
      calories_data: { total_burned_calories: 300 },
      distance_data: { summary: { distance_meters: 13501 } },
    });
  });

  it('personal info → athlete', () => {
    const athlete = normalizeAthlete(fixture('personal-info.json'))!;
    expectTerra('athlete', athlete);
    expect(athlete).toEqual({ age: 31, email: 'example@example.com', sex: 'male', gender: 'male' });
  });

  it('shiftIso keeps the offset across midnight and DST-free arithmetic', () => {
    expect(shiftIso('2022-07-12T23:59:00-07:00', 120)).toBe('2022-07-13T00:01:00.000000-07:00');
    expect(shiftIso('2022-07-12T23:59:00Z', 60)).toBe('2022-07-13T00:00:00.000000+00:00');
  });
});
