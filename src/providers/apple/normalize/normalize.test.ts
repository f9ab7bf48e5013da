import { describe, expect, it } from 'vitest';
import { categoryRow, quantityRow } from '../rows.ts';
import { parseLocalInstant } from '../units.ts';
import { normalizeActivity } from './activity.ts';
import { normalizeDaily } from './daily.ts';
import { normalizeMenstruation } from './menstruation.ts';
import { normalizeNutrition } from './nutrition.ts';
import { normalizeSleep } from './sleep.ts';

const at = (text: string) => parseLocalInstant(text)!;
const q = (type: string, value: number, unit: string, start: string, end = start, sourceName = 'Watch', tier = 3) =>
  quantityRow({
    type: `HKQuantityTypeIdentifier${type}`,
    value,
    unit,
    start: at(start),
    end: at(end),
    sourceName,
    tier,
  })!;
const c = (
  type: string,
  value: string | number,
  start: string,
  end: string,
  sourceName = 'Watch',
  tier = 3,
  metadata?: Record<string, unknown>,
) =>
  categoryRow({
    type: `HKCategoryTypeIdentifier${type}`,
    value,
    start: at(start),
    end: at(end),
    sourceName,
    tier,
    metadata,
  })!;

describe('Apple normalizers (pure)', () => {
  it('Daily: totals with precedence, units, local midnight window; absent series stay absent', () => {
    const rows = [
      q('StepCount', 100, 'count', '2024-05-01T09:00:00-04:00', '2024-05-01T09:10:00-04:00'),
      q('StepCount', 120, 'count', '2024-05-01T09:00:00-04:00', '2024-05-01T09:10:00-04:00', 'iPhone', 2),
      q('DistanceWalkingRunning', 0.1, 'mi', '2024-05-01T09:00:00-04:00', '2024-05-01T09:10:00-04:00'),
      q('ActiveEnergyBurned', 41.84, 'kJ', '2024-05-01T09:00:00-04:00', '2024-05-01T09:10:00-04:00'),
    ];
    const daily = normalizeDaily('2024-05-01', rows)!;
    expect(daily.metadata).toEqual({
      start_time: '2024-05-01T00:00:00.000000-04:00',
      end_time: '2024-05-02T00:00:00.000000-04:00',
      timestamp_localization: 1,
      upload_type: 1,
    });
    expect(daily.distance_data).toEqual({ steps: 100, distance_meters: 160.934 });
    expect(daily.calories_data).toEqual({ net_activity_calories: 10 });
    expect(daily.heart_rate_data).toBeUndefined();
    expect(normalizeDaily('2024-05-01', [])).toBeUndefined();
  });

  it('Nutrition and Menstruation from dietary and flow samples', () => {
    const food = [
      q('DietaryEnergyConsumed', 2092, 'kJ', '2024-05-01T12:00:00+00:00', undefined, 'App', 1),
      q('DietarySodium', 1.2, 'g', '2024-05-01T12:00:00+00:00', undefined, 'App', 1),
      q('DietaryWater', 8, 'fl_oz_us', '2024-05-01T13:00:00+00:00', undefined, 'App', 1),
    ];
    expect(normalizeNutrition('2024-05-01', food)!.summary).toEqual({
      macros: { calories: 500, sodium_mg: 1200 },
      water_ml: 236.588,
    });
    const flow = [
      c(
        'MenstrualFlow',
        'HKCategoryValueMenstrualFlowHeavy',
        '2024-05-01T00:00:00+00:00',
        '2024-05-01T00:00:00+00:00',
        'Health',
        1,
      ),
    ];
    expect(normalizeMenstruation('2024-05-01', flow)!.menstruation_data).toEqual({
      menstruation_flow: [{ timestamp: '2024-05-01T00:00:00.000000+00:00', flow: 4 }],
      current_phase: 'menstrual',
    });
  });

  it('Sleep: one session per night, stages from the best source, a separate afternoon nap', () => {
    const rows = [
      c('SleepAnalysis', 3, '2024-05-01T23:00:00+02:00', '2024-05-02T03:00:00+02:00'),
      c(
        'SleepAnalysis',
        'HKCategoryValueSleepAnalysisAsleep',
        '2024-05-01T22:30:00+02:00',
        '2024-05-02T03:30:00+02:00',
        'SleepApp',
        1,
      ),
      c('SleepAnalysis', 4, '2024-05-02T14:00:00+02:00', '2024-05-02T14:30:00+02:00'),
    ];
    const sessions = normalizeSleep('2024-05-01', rows);
    expect(sessions).toHaveLength(2);
    expect(sessions[0].metadata).toMatchObject({
      summary_id: 'apple-sleep-2024-05-01-0',
      is_nap: false,
      start_time: '2024-05-01T22:30:00.000000+02:00',
    });
    expect((sessions[0].sleep_durations_data as Record<string, Record<string, number>>).asleep).toEqual({
      duration_asleep_state_seconds: 5 * 3600,
      duration_light_sleep_state_seconds: 4 * 3600,
      duration_deep_sleep_state_seconds: 0,
      duration_REM_sleep_state_seconds: 0,
    });
    expect(sessions[1].metadata).toMatchObject({ is_nap: true });
  });

  it('Activity: indoor run code, totals from attributes before statistics, swim pool type', () => {
    const base = {
      startMs: at('2024-05-01T07:00:00+02:00').ms,
      endMs: at('2024-05-01T07:30:00+02:00').ms,
      offsetMin: 120,
      sourceName: 'Watch',
      events: [],
      route: [],
    };
    const run = normalizeActivity({
      ...base,
      activityType: 'HKWorkoutActivityTypeRunning',
      metadata: { HKIndoorWorkout: '1' },
      totalDistance: { value: 5, unit: 'km' },
      statistics: [{ type: 'HKQuantityTypeIdentifierDistanceWalkingRunning', sum: 9, unit: 'km' }],
    });
    expect(run.metadata).toMatchObject({ type: 133, name: 'Running' });
    expect((run.distance_data as { summary: { distance_meters: number } }).summary.distance_meters).toBe(5000);
    const swim = normalizeActivity({
      ...base,
      activityType: 'HKWorkoutActivityTypeSwimming',
      metadata: { HKSwimmingLocationType: '1', HKLapLength: '25 m' },
      statistics: [],
    });
    expect(swim.metadata).toMatchObject({ type: 83 });
    expect(swim.distance_data).toEqual({ summary: { swimming: { pool_length_meters: 25 } } });
    expect(() =>
      normalizeActivity({
        ...base,
        activityType: 'Running',
        metadata: {},
        totalDistance: { value: 5, unit: 'furlong' },
        statistics: [],
      }),
    ).toThrow(/furlong/);
    // A zero legacy attribute defers to the statistics.
    const zero = normalizeActivity({
      ...base,
      activityType: 'Walking',
      metadata: {},
      totalDistance: { value: 0, unit: 'km' },
      totalEnergyBurned: { value: 0, unit: 'kcal' },
      statistics: [
        { type: 'HKQuantityTypeIdentifierDistanceWalkingRunning', sum: 2, unit: 'km' },
        { type: 'HKQuantityTypeIdentifierActiveEnergyBurned', sum: 80, unit: 'kcal' },
      ],
    });
    expect(zero).toMatchObject({
      distance_data: { summary: { distance_meters: 2000 } },
      calories_data: { net_activity_calories: 80 },
    });
  });
});
