import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { normalizeActivity } from '../../src/providers/ifit/ifit-normalize-activity.ts';
import { activityLogSchema, type IfitActivityLog } from '../../src/providers/ifit/ifit-schemas.ts';
import { validateRecord } from '../../src/model/validate.ts';

/**
 * The normalizer on a REAL iFit workout: the CSV and TCX exports of one indoor ride
 * (flackdl/ifit-garmin-sync samples, GPL-3.0). They are read in place from
 * ../shared/fixtures and never copied into this repository (see that folder's SOURCES.md).
 * In a fresh clone without that folder these tests are skipped and say so; CI has it.
 */
const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const CSV = `${FIXTURES}provider-json/ifit/ifit-workout.csv`;
const TCX = `${FIXTURES}tcx/ifit-garmin-sync/ifit-workout.tcx`;
const present = existsSync(CSV) && existsSync(TCX);
if (!present)
  console.warn(
    `SKIPPED: real iFit export fixtures not found at ${FIXTURES} (GPL-3.0 files read in place; present in CI)`,
  );

const MILE = 1609.344;
const MPH = 0.44704;

/** CSV export ("Stages_Data", English units, one row per second) → API-shaped activity log. */
function logFromCsv(text: string, startMs: number): IfitActivityLog {
  const lines = text.trim().split(/\r?\n/);
  expect(lines[0]!.startsWith('Stages_Data')).toBe(true);
  const unitLine = lines[1]!.split(',')[0];
  expect(unitLine).toBe('English');
  const header = lines[2]!.split(',');
  const column = (name: string) => header.indexOf(name);
  const stats: Record<string, { offset: number; value: number }[]> = {
    meters: [],
    mps: [],
    watts: [],
    bpm: [],
    rpm: [],
    resistance: [],
    incline: [],
  };
  for (const line of lines.slice(3)) {
    const cells = line.split(',');
    const [minutes, seconds] = cells[column('Time')]!.split(':').map(Number);
    const offset = (minutes! * 60 + seconds!) * 1000;
    const add = (key: string, value: number) => stats[key]!.push({ offset, value });
    add('meters', Number(cells[column('Miles')]) * MILE);
    add('mps', Number(cells[column('MPH')]) * MPH);
    add('watts', Number(cells[column('Watts')]));
    add('bpm', Number(cells[column('HR')]));
    add('rpm', Number(cells[column('RPM')]));
    add('resistance', Number(cells[column('Resistance')]));
    add('incline', Number(cells[column('Incline')]));
  }
  const last = stats.meters!.at(-1)!;
  return activityLogSchema.parse({
    id: 'csv-export',
    type: 'cycle',
    start: startMs,
    end: startMs + last.offset,
    duration: last.offset,
    summary: { total_meters: last.value, total_steps: 0 },
    origin: 'ifit',
    stats,
  });
}

/** TCX export (metric, ~1 trackpoint per second, no power) → API-shaped activity log. */
function logFromTcx(text: string): { log: IfitActivityLog; title: string; lapCalories: number } {
  const value = (block: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(block)?.[1];
  const title = /<Notes>([^<]*)<\/Notes>/.exec(text)![1]!;
  const startMs = Date.parse(/<Id>([^<]*)<\/Id>/.exec(text)![1]!);
  const lapCalories = Number(/<Lap[^>]*>[\s\S]*?<Calories>([^<]*)<\/Calories>/.exec(text)![1]);
  const stats: Record<string, { offset: number; value: number }[]> = {
    meters: [],
    rpm: [],
    calories: [],
    bpm: [],
    elevation: [],
  };
  for (const [, block] of text.matchAll(/<Trackpoint>([\s\S]*?)<\/Trackpoint>/g)) {
    const offset = Date.parse(/<Time>([^<]*)<\/Time>/.exec(block!)![1]!) - startMs;
    const add = (key: string, raw: string | undefined) =>
      raw !== undefined && stats[key]!.push({ offset, value: Number(raw) });
    add('meters', value(block!, 'DistanceMeters'));
    add('rpm', value(block!, 'Cadence'));
    add('calories', value(block!, 'Calories'));
    add('bpm', /<HeartRateBpm[\s\S]*?<Value>([^<]*)<\/Value>/.exec(block!)?.[1]);
    add('elevation', value(block!, 'AltitudeMeters'));
  }
  const last = stats.meters!.at(-1)!;
  const log = activityLogSchema.parse({
    id: 'tcx-export',
    workout_id: 'w',
    type: 'cycle',
    start: startMs,
    end: startMs + last.offset,
    duration: last.offset,
    summary: { total_meters: last.value, total_calories: lapCalories },
    origin: 'ifit',
    stats,
  });
  return { log, title, lapCalories };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.skipIf(!present)(
  'iFit normalizer on the real CSV + TCX exports of one ride (../shared/fixtures, GPL-3.0, read in place)',
  () => {
    const tcx = present ? logFromTcx(readFileSync(TCX, 'utf8')) : undefined;
    const csvLog = present ? logFromCsv(readFileSync(CSV, 'utf8'), tcx!.log.start) : undefined;

    it('CSV: power, cadence, speed and distance series map to Terra, one sample per second', () => {
      const activity = normalizeActivity(csvLog!, { title: tcx!.title, has_geo_data: false }) as Json;
      expect(validateRecord('activity', activity)).toEqual([]);
      expect(activity.metadata).toMatchObject({
        name: 'Princes’ Islands Train-to-Terrain Ride, Istanbul, Turkey',
        type: 1,
        start_time: '2021-02-02T20:32:28.531000+00:00',
      });
      const rows = csvLog!.stats!.watts as unknown[];
      expect(rows.length).toBe(2177);
      expect(activity.power_data.power_samples).toHaveLength(2177);
      expect(activity.power_data.max_watts).toBe(306);
      expect(activity.movement_data.max_speed_meters_per_second).toBeCloseTo(21.41 * MPH, 6);
      expect(activity.movement_data.cadence_samples).toHaveLength(2177);
      expect(activity.distance_data.detailed.distance_samples.at(-1).distance_meters).toBeCloseTo(8.1362 * MILE, 6);
      expect(activity.distance_data.detailed.distance_samples.at(-1).timestamp).toBe(
        '2021-02-02T21:08:44.531000+00:00',
      );
    });

    it('CSV: no strap (HR all 0) means no heart-rate block; incline and resistance stay out', () => {
      const activity = normalizeActivity(csvLog!) as Json;
      expect((csvLog!.stats!.bpm as { value: number }[]).every((point) => point.value === 0)).toBe(true);
      expect(activity.heart_rate_data).toBeUndefined();
      expect(activity.distance_data.summary.steps).toBeUndefined();
      expect(JSON.stringify(activity)).not.toMatch(/incline|resistance/);
      expect(activity.calories_data).toBeUndefined(); // the CSV export has no calories
    });

    it('TCX: calories, cadence and elevation map to Terra; no power because TCX has none', () => {
      const activity = normalizeActivity(tcx!.log, { title: tcx!.title, has_geo_data: false }) as Json;
      expect(validateRecord('activity', activity)).toEqual([]);
      expect(activity.calories_data.total_burned_calories).toBe(378.742);
      expect(activity.calories_data.calorie_samples.at(-1).calories).toBe(378.742);
      expect(activity.movement_data.max_cadence_rpm).toBeGreaterThan(60);
      expect(activity.distance_data.summary.elevation.max_meters).toBeGreaterThan(
        activity.distance_data.summary.elevation.min_meters,
      );
      expect(activity.distance_data.detailed.elevation_samples.length).toBeGreaterThan(2000);
      expect(activity.power_data).toBeUndefined();
      expect(activity.heart_rate_data).toBeUndefined();
    });

    it('both exports of the same ride agree on distance and duration', () => {
      const fromCsv = normalizeActivity(csvLog!) as Json;
      const fromTcx = normalizeActivity(tcx!.log) as Json;
      expect(
        Math.abs(fromCsv.distance_data.summary.distance_meters - fromTcx.distance_data.summary.distance_meters),
      ).toBeLessThanOrEqual(2);
      expect(
        Math.abs(Date.parse(fromCsv.metadata.end_time) - Date.parse(fromTcx.metadata.end_time)),
      ).toBeLessThanOrEqual(1000);
      expect(fromCsv.active_durations_data.activity_seconds).toBeCloseTo(2176, 0);
    });
  },
);
