import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateRecord } from '../../model/validate.ts';
import type { DataType } from '../../model/data-types.ts';
import {
  localIso,
  normalizeBody,
  normalizeCycle,
  normalizeProfile,
  normalizeSleep,
  normalizeWorkout,
  type WhoopBodyObservation,
  type WhoopCycleBundle,
} from './whoop-normalize.ts';
import { whoopRawNormalizer } from './whoop-replay.ts';

const fixture = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

function expectTerra(type: DataType, record: unknown): void {
  expect(validateRecord(type, record, { nulls: 'strict' })).toEqual([]);
}

describe('WHOOP normalizers', () => {
  it('a cycle with its recovery → daily: strain, calories (kJ → kcal), HR, resting HR, HRV, recovery score, SpO2', () => {
    const daily = normalizeCycle(fixture<WhoopCycleBundle>('cycle-bundle.json'))!;
    expectTerra('daily', daily);
    expect(daily).toEqual({
      // The cycle starts at 21:25 local on the 23rd: it is the 24th's day (12 h after its start).
      metadata: {
        start_time: '2022-04-24T00:00:00.000000-05:00',
        end_time: '2022-04-25T00:00:00.000000-05:00',
        upload_type: 1,
      },
      strain_data: { strain_level: 5.2951527 },
      calories_data: { total_burned_calories: 1980.95 },
      heart_rate_data: {
        summary: { avg_hr_bpm: 68, max_hr_bpm: 141, resting_hr_bpm: 64, avg_hrv_rmssd: 31.813562 },
      },
      scores: { recovery: 44 },
      oxygen_data: { avg_saturation_percentage: 95.6875 },
    });
  });

  it('a cycle still running, without recovery: only the strain so far', () => {
    const daily = normalizeCycle(fixture<WhoopCycleBundle>('cycle-in-progress.json'))!;
    expectTerra('daily', daily);
    expect(daily).toEqual({
      metadata: {
        start_time: '2022-04-25T00:00:00.000000+00:00',
        end_time: '2022-04-26T00:00:00.000000+00:00',
        upload_type: 1,
      },
      strain_data: { strain_level: 3.1 },
    });
  });

  it('a recovery of another cycle, or one not scored, adds nothing', () => {
    const bundle = fixture<WhoopCycleBundle>('cycle-bundle.json');
    const other = normalizeCycle({ ...bundle, recovery: { ...bundle.recovery, cycle_id: 1 } })!;
    expect(other.scores).toBeUndefined();
    const pending = normalizeCycle({ ...bundle, recovery: { ...bundle.recovery, score_state: 'PENDING_SCORE' } })!;
    expect(pending.heart_rate_data).toEqual({ summary: { avg_hr_bpm: 68, max_hr_bpm: 141 } });
    expect(normalizeCycle({ cycle: { ...bundle.cycle, score_state: 'UNSCORABLE' } })).toBeUndefined();
  });

  it('a scored sleep: stage totals (slow wave = deep), disturbances, in-bed and no-data time, efficiency, performance, breathing', () => {
    const sleep = normalizeSleep(fixture('sleep.json'))!;
    expectTerra('sleep', sleep);
    expect(sleep).toEqual({
      metadata: {
        summary_id: 'ecfc6a15-4661-442f-a9a4-f160dd7afae8',
        start_time: '2022-04-23T21:25:44.774000-05:00',
        end_time: '2022-04-24T05:25:44.774000-05:00',
        is_nap: false,
        upload_type: 2,
      },
      sleep_durations_data: {
        asleep: {
          duration_asleep_state_seconds: 27415.794,
          duration_light_sleep_state_seconds: 14905.851,
          duration_deep_sleep_state_seconds: 6630.37,
          duration_REM_sleep_state_seconds: 5879.573,
        },
        awake: { duration_awake_state_seconds: 1403.507, num_wakeup_events: 12 },
        other: { duration_in_bed_seconds: 30272.735, duration_unmeasurable_sleep_seconds: 0 },
        sleep_efficiency: 91.69533848,
      },
      scores: { sleep: 98 },
      respiration_data: { breaths_data: { avg_breaths_per_min: 16.11328125 } },
    });
  });

  it('a nap WHOOP has not scored yet: times and the nap flag, nothing invented', () => {
    const nap = normalizeSleep(fixture('sleep-nap-pending.json'))!;
    expectTerra('sleep', nap);
    expect(nap).toEqual({
      metadata: {
        summary_id: '0b8a4c1e-2f3d-4e5a-9b6c-7d8e9f0a1b2c',
        start_time: '2022-04-25T20:10:00.000000+02:00',
        end_time: '2022-04-25T20:52:30.000000+02:00',
        is_nap: true,
        upload_type: 2,
      },
    });
  });

  it('a workout: sport, calories, distance, elevation gain, HR with six zones (ms → s), strain', () => {
    const activity = normalizeWorkout(fixture('workout.json'))!;
    expectTerra('activity', activity);
    expect(activity).toEqual({
      metadata: {
        summary_id: 'ecfc6a15-4661-442f-a9a4-f160dd7afae8',
        name: 'running',
        type: 8,
        start_time: '2022-04-23T21:25:44.774000-05:00',
        end_time: '2022-04-23T22:05:12.012000-05:00',
        upload_type: 1,
      },
      calories_data: { total_burned_calories: 375.08 },
      distance_data: { summary: { distance_meters: 1773, elevation: { gain_actual_meters: 46.64384460449 } } },
      heart_rate_data: {
        summary: {
          avg_hr_bpm: 123,
          max_hr_bpm: 146,
          hr_zone_data: [
            { zone: 0, duration_seconds: 300 },
            { zone: 1, duration_seconds: 600 },
            { zone: 2, duration_seconds: 900 },
            { zone: 3, duration_seconds: 900 },
            { zone: 4, duration_seconds: 600 },
            { zone: 5, duration_seconds: 300 },
          ],
        },
      },
      strain_data: { strain_level: 8.2463 },
    });
  });

  it('body measurement → body (height in cm, weight, max HR); profile → athlete', () => {
    const body = normalizeBody(fixture<WhoopBodyObservation>('body-measurement.json'))!;
    expectTerra('body', body);
    expect(body).toEqual({
      metadata: { start_time: '2022-04-24T00:00:00.000000+00:00', end_time: '2022-04-25T00:00:00.000000+00:00' },
      measurements_data: {
        measurements: [{ measurement_time: '2022-04-24T00:00:00.000000+00:00', height_cm: 182.88, weight_kg: 90.7185 }],
      },
      heart_data: { heart_rate_data: { summary: { user_max_hr_bpm: 200 } } },
    });
    const athlete = normalizeProfile(fixture('profile.json'))!;
    expectTerra('athlete', athlete);
    expect(athlete).toEqual({ first_name: 'John', last_name: 'Smith', email: 'jsmith123@whoop.com' });
  });

  it('malformed documents give no record', () => {
    expect(normalizeSleep({ id: 'x', start: 'yesterday', end: '2022-04-24T10:25:44.774Z' })).toBeUndefined();
    expect(normalizeWorkout({ id: { nested: true }, start: '2022-04-24T02:25:44.774Z', end: 42 })).toBeUndefined();
    expect(normalizeCycle({ cycle: { id: 1, start: '2022-04-24T02:25:44.774Z', timezone_offset: 'local' } })).toBe(
      undefined,
    );
    expect(normalizeCycle({ cycle: 'nope' as unknown as Record<string, unknown> })).toBeUndefined();
    expect(normalizeBody({ day: 'today', measurement: { weight_kilogram: 80 } })).toBeUndefined();
    expect(normalizeBody({ day: '2022-04-24', measurement: {} })).toBeUndefined();
    expect(normalizeProfile({ email: 'x@y.z' })).toBeUndefined();
  });

  it('replay reads each stored raw body with the normalizer its data type names', async () => {
    const raw = (dataType: string, externalId: string, value: unknown) => ({
      dataType,
      externalId,
      contentType: 'application/json',
      body: Buffer.from(JSON.stringify(value)),
    });
    const none = () => Promise.resolve(undefined);
    expect(await whoopRawNormalizer.normalize(raw('daily', 'cycle:93845', fixture('cycle-bundle.json')), none)).toEqual(
      [normalizeCycle(fixture<WhoopCycleBundle>('cycle-bundle.json'))],
    );
    expect(await whoopRawNormalizer.normalize(raw('sleep', 'sleep:x', fixture('sleep.json')), none)).toHaveLength(1);
    expect(
      await whoopRawNormalizer.normalize(raw('activity', 'workout:x', fixture('workout.json')), none),
    ).toHaveLength(1);
    expect(
      await whoopRawNormalizer.normalize(raw('body', 'body_measurement:x', fixture('body-measurement.json')), none),
    ).toHaveLength(1);
    expect(await whoopRawNormalizer.normalize(raw('athlete', 'profile', fixture('profile.json')), none)).toHaveLength(
      1,
    );
    expect(() => whoopRawNormalizer.normalize(raw('sleep', 'sleep:y', [1, 2]), none)).toThrow(/not a JSON object/);
  });

  it('localIso rewrites a UTC instant in the given offset', () => {
    expect(localIso('2022-04-24T02:25:44.774Z', '-05:00')).toBe('2022-04-23T21:25:44.774000-05:00');
    expect(localIso('2022-04-24T23:30:00Z', '+05:30')).toBe('2022-04-25T05:00:00.000000+05:30');
    expect(localIso('2022-04-24T23:30:00Z', undefined)).toBe('2022-04-24T23:30:00Z');
  });
});
