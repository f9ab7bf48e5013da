import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import polyline from '@mapbox/polyline';
import { activityLogSchema, workoutSchema } from './ifit-schemas.ts';
import { activityType, isoTimestamp, normalizeActivity } from './ifit-normalize-activity.ts';
import { haversineMeters } from './ifit-route.ts';
import { validateRecord } from '../../model/validate.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as unknown;
const log = (name: string) => activityLogSchema.parse(fixture(name));
const workout = (name: string) => workoutSchema.parse(fixture(name));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('iFit activity normalizer: treadmill run on a route (fixtures/activity-log-run-route.json)', () => {
  const activity = normalizeActivity(log('activity-log-run-route.json'), workout('workout-route.json')) as Json;

  it('maps metadata: summary_id = log id, name = library title, type, ISO times with offset', () => {
    expect(activity.metadata).toEqual({
      summary_id: '65a1f0c2e4b0a1b2c3d4e5f6',
      name: 'Lake Bled Loop, Slovenia',
      type: 8,
      start_time: '2026-01-01T08:00:00.000000+00:00',
      end_time: '2026-01-01T08:10:00.000000+00:00',
      upload_type: 1,
      timestamp_localization: 0,
    });
    expect(activity.active_durations_data).toEqual({ activity_seconds: 600 });
  });

  it('samples are timestamped start + offset', () => {
    const hr = activity.heart_rate_data.detailed.hr_samples;
    expect(hr[0]).toEqual({
      timestamp: '2026-01-01T08:01:00.000000+00:00',
      timer_duration_seconds: 60,
      bpm: 121,
      context: 1,
    });
    expect(activity.distance_data.detailed.distance_samples.at(-1)).toEqual({
      timestamp: '2026-01-01T08:10:00.000000+00:00',
      timer_duration_seconds: 600,
      distance_meters: 1800,
    });
  });

  it('drops 0 bpm (no strap) instead of reporting zeros; summarizes the rest', () => {
    expect(activity.heart_rate_data.detailed.hr_samples).toHaveLength(10);
    expect(activity.heart_rate_data.summary).toEqual({ avg_hr_bpm: 125.5, max_hr_bpm: 130, min_hr_bpm: 121 });
  });

  it('maps calories, distance, steps and elevation with their samples', () => {
    expect(activity.calories_data.total_burned_calories).toBe(120.5);
    expect(activity.calories_data.calorie_samples).toHaveLength(11);
    expect(activity.distance_data.summary.distance_meters).toBe(1800);
    expect(activity.distance_data.summary.steps).toBe(1500);
    expect(activity.distance_data.summary.elevation).toMatchObject({
      max_meters: 104,
      min_meters: 90,
      gain_actual_meters: 4,
      loss_actual_meters: 14,
    });
    expect(activity.distance_data.detailed.step_samples.at(-1).steps).toBe(1500);
    expect(activity.distance_data.detailed.elevation_samples).toHaveLength(11);
    expect(activity.movement_data).toMatchObject({ avg_speed_meters_per_second: 3, max_speed_meters_per_second: 3 });
    expect(activity.movement_data.speed_samples).toHaveLength(11);
  });

  it('positions follow the route by cumulative distance, and the polyline covers what was run', () => {
    const position = activity.position_data;
    expect(position.start_pos_lat_lng_deg).toEqual([46.36, 14.1]);
    const samples = position.position_samples as { coords_lat_lng_deg: [number, number]; timestamp: string }[];
    expect(samples).toHaveLength(11);
    // After 1800 m: the first leg north is ~1000.8 m, so the rest lies on the eastward leg.
    const [lat, lng] = samples.at(-1)!.coords_lat_lng_deg;
    expect(lat).toBeCloseTo(46.369, 6);
    const alongSecondLeg = haversineMeters({ lat: 46.369, lng: 14.1 }, { lat, lng });
    const firstLeg = haversineMeters({ lat: 46.36, lng: 14.1 }, { lat: 46.369, lng: 14.1 });
    expect(firstLeg + alongSecondLeg).toBeCloseTo(1800, 0);
    expect(position.end_pos_lat_lng_deg).toEqual([lat, lng]);
    const decoded = polyline.decode(activity.polyline_map_data.summary_polyline);
    expect(decoded[0]).toEqual([46.36, 14.1]);
    expect(decoded.at(-1)![1]).toBeCloseTo(lng, 5);
    expect(decoded.length).toBe(3);
  });

  it('keeps incline, resistance and unknown series out of the normalized record', () => {
    const text = JSON.stringify(activity);
    expect(text).not.toContain('incline');
    expect(text).not.toContain('future_series');
  });

  it('describes the device', () => {
    expect(activity.device_data).toEqual({
      name: 'iFit',
      manufacturer: 'iFit',
      serial_number: 'ntl-c2950',
      software_version: '424992',
      data_provided: ['HEART_RATE', 'SPEED', 'DISTANCE', 'CALORIES', 'STEPS'],
    });
  });
});

describe('iFit activity normalizer: studio bike ride without heart rate', () => {
  const activity = normalizeActivity(log('activity-log-bike.json'), workout('workout-studio.json')) as Json;

  it('has power and cadence, and no heart-rate block when every bpm is 0', () => {
    expect(activity.metadata.type).toBe(1);
    expect(activity.metadata.name).toBe('Studio Ride: Hills');
    expect(activity.heart_rate_data).toBeUndefined();
    expect(activity.power_data.max_watts).toBe(240);
    expect(activity.power_data.power_samples).toHaveLength(11);
    expect(activity.movement_data.avg_cadence_rpm).toBe(85);
    expect(activity.movement_data.cadence_samples).toHaveLength(11);
  });

  it('leaves absent what iFit did not send: no speed (empty series), no steps (0 on a bike), no positions', () => {
    expect(activity.movement_data.speed_samples).toBeUndefined();
    expect(activity.movement_data.avg_speed_meters_per_second).toBeUndefined();
    expect(activity.distance_data.summary).toEqual({ distance_meters: 2500 });
    expect(activity.distance_data.detailed.step_samples).toBeUndefined();
    expect(activity.position_data).toBeUndefined();
    expect(activity.polyline_map_data).toBeUndefined();
    expect(JSON.stringify(activity)).not.toContain('resistance');
  });
});

describe('iFit activity normalizer: imported log with no series and no library workout', () => {
  const activity = normalizeActivity(log('activity-log-imported.json')) as Json;

  it('is a third-party upload of an unknown type, with summaries only', () => {
    expect(activity.metadata).toMatchObject({ upload_type: 6, type: 4, summary_id: '65a1f0c2e4b0a1b2c3d4e5f8' });
    expect(activity.metadata.name).toBeUndefined();
    expect(activity.calories_data).toEqual({ total_burned_calories: 200 });
    expect(activity.distance_data).toEqual({ summary: { distance_meters: 3000 } });
    expect(activity.heart_rate_data).toBeUndefined();
    expect(activity.power_data).toBeUndefined();
    expect(activity.movement_data).toBeUndefined();
    expect(activity.device_data).toEqual({ name: 'iFit', manufacturer: 'iFit' });
  });
});

describe('iFit activity normalizer: output follows Terra’s Activity schema', () => {
  it.each([
    ['activity-log-run-route.json', 'workout-route.json'],
    ['activity-log-bike.json', 'workout-studio.json'],
    ['activity-log-imported.json', undefined],
  ])('%s', (logName, workoutName) => {
    const activity = normalizeActivity(log(logName), workoutName ? workout(workoutName) : undefined);
    expect(validateRecord('activity', activity)).toEqual([]);
  });
});

describe('iFit normalizer helpers', () => {
  it('maps every documented iFit type to a Terra ActivityType code', () => {
    expect(
      ['run', 'walk', 'hike', 'cycle', 'row', 'elliptical', 'strength', 'yoga', 'other'].map(activityType),
    ).toEqual([8, 7, 35, 1, 54, 25, 80, 100, 108]);
    expect(activityType(undefined)).toBe(4);
    expect(activityType('constructor')).toBe(4);
    expect(activityType('RUN')).toBe(8);
  });

  it('formats instants as Terra does', () => {
    expect(isoTimestamp(Date.UTC(2026, 6, 1, 7, 4, 11, 5))).toBe('2026-07-01T07:04:11.005000+00:00');
  });

  it('tolerates malformed series points without throwing', () => {
    const weird = activityLogSchema.parse({
      id: 'x',
      start: 0,
      stats: { bpm: [{ offset: 1000, value: 'a' }, { offset: 0, value: 100 }, null], mps: 'nope' },
    });
    const activity = normalizeActivity(weird) as Json;
    expect(activity.heart_rate_data.detailed.hr_samples).toHaveLength(1);
    expect(activity.movement_data).toBeUndefined();
  });
});
