import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importAppleExport, type ImportProgress } from '../../src/ingest/apple/export-import.ts';
import { ingestBatch } from '../../src/ingest/apple/ingest.ts';
import { BatchSchema } from '../../src/providers/apple/batch.ts';
import type { User } from '../../src/store/index.ts';
import { ENGINES, openTestStore, tempDir, type TestStore } from '../helpers/engines.ts';
import { FIXTURES, zipFolder } from './helpers.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

describe.each(ENGINES)('Apple Health export import (%s)', (engine) => {
  let t: TestStore;
  let user: User;
  beforeEach(async (context) => {
    t = await openTestStore(engine, context.task.name);
    const { developer } = await t.store.developers.create({ name: 'dev' });
    user = await t.store.users.create(developer.devId, { provider: 'APPLE', state: 'connected' });
  });
  afterEach(async () => {
    await t.close();
  });

  const records = async (type: 'daily' | 'body' | 'nutrition' | 'menstruation' | 'sleep' | 'activity' | 'athlete') =>
    (await t.store.records.listJson(user.devId, user.userId, type, { withSamples: true })).map(
      (json) => JSON.parse(json) as Json,
    );

  it('imports a modern (v14) export.zip: totals, priority, units, sleep stages, routes — and twice without duplicates', async () => {
    const zip = await zipFolder(join(FIXTURES, 'tributary-v14'), join(tempDir(), 'export.zip'));
    const seen: ImportProgress[] = [];
    const first = await importAppleExport({ store: t.store }, user, zip, { onProgress: (p) => seen.push(p) });
    expect(first).toMatchObject({
      format: 'zip',
      routes: { attached: 1, missing: 0 },
      counts: { workouts: 1, activitySummaries: 1, otherTypes: 1, invalid: 0 },
    });
    expect(first.samplesDuplicate).toBe(0);
    expect(seen.at(-1)).toMatchObject({ phase: 'done' });
    expect(seen.some((p) => p.phase === 'reading' && p.totalBytes !== null && p.bytesRead > 0)).toBe(true);

    const [daily] = await records('daily');
    expect(daily!.metadata).toMatchObject({
      start_time: '2024-03-02T00:00:00.000000+01:00',
      end_time: '2024-03-03T00:00:00.000000+01:00',
    });
    // Watch 3000 (the iPhone's 3100 for the same half hour does not count) + iPhone alone 1000 + Watch 200.
    expect(daily!.distance_data.steps).toBe(4200);
    expect(daily!.distance_data.distance_meters).toBeCloseTo(1.5 * 1609.344, 3);
    expect(daily!.calories_data).toEqual({
      net_activity_calories: 150,
      BMR_calories: 1500,
      total_burned_calories: 1650,
    });
    expect(daily!.heart_rate_data.summary).toMatchObject({ min_hr_bpm: 60, max_hr_bpm: 160, resting_hr_bpm: 55 });
    expect(daily!.heart_rate_data.summary.avg_hr_bpm).toBeCloseTo(123.333, 3);
    expect(daily!.active_durations_data).toEqual({ activity_seconds: 38 * 60, standing_hours_count: 9 });

    const [body] = await records('body');
    expect(body!.measurements_data.measurements).toHaveLength(2);
    expect(body!.measurements_data.measurements[0].weight_kg).toBeCloseTo(80, 2);
    expect(body!.measurements_data.measurements[0].bodyfat_percentage).toBe(20);
    expect(body!.measurements_data.measurements[1]).toEqual({
      measurement_time: '2024-03-02T07:05:00.000000+01:00',
      height_cm: 172,
    });

    const [nutrition] = await records('nutrition');
    // The food correlation's nested copies do not count twice.
    expect(nutrition!.summary).toEqual({ macros: { calories: 500, protein_g: 30 }, water_ml: 500 });

    const [menstruation] = await records('menstruation');
    expect(menstruation!.menstruation_data).toMatchObject({
      period_start_date: '2024-03-02',
      menstruation_flow: [{ timestamp: '2024-03-02T00:00:00.000000+01:00', flow: 3 }],
    });

    const sleep = await records('sleep');
    expect(sleep).toHaveLength(1);
    expect(sleep[0]!.metadata).toMatchObject({
      start_time: '2024-03-01T23:00:00.000000+01:00',
      end_time: '2024-03-02T07:00:00.000000+01:00',
      is_nap: false,
      upload_type: 2,
    });
    expect(sleep[0]!.sleep_durations_data).toMatchObject({
      asleep: {
        duration_asleep_state_seconds: 7 * 3600,
        duration_light_sleep_state_seconds: 5 * 3600,
        duration_deep_sleep_state_seconds: 3600,
        duration_REM_sleep_state_seconds: 3600,
      },
      awake: { duration_awake_state_seconds: 900 },
      other: { duration_in_bed_seconds: 8 * 3600 },
      sleep_efficiency: 87.5,
    });
    expect(sleep[0]!.sleep_durations_data.hypnogram_samples.map((s: Json) => s.level)).toEqual([4, 5, 6, 1, 4]);

    const [activity] = await records('activity');
    expect(activity!.metadata).toMatchObject({
      type: 8,
      name: 'Running',
      start_time: '2024-03-02T07:00:00.000000+01:00',
      end_time: '2024-03-02T07:40:00.000000+01:00',
    });
    expect(activity!.active_durations_data.activity_seconds).toBe(38 * 60);
    expect(activity!.calories_data.net_activity_calories).toBeCloseTo(300, 6);
    expect(activity!.distance_data.summary.distance_meters).toBeCloseTo(3.1 * 1609.344, 3);
    expect(activity!.distance_data.summary.elevation).toEqual({ gain_actual_meters: 25 });
    expect(activity!.heart_rate_data.summary).toEqual({ avg_hr_bpm: 150, min_hr_bpm: 100, max_hr_bpm: 170 });
    expect(activity!.power_data).toEqual({ avg_watts: 250, max_watts: 400 });
    expect(activity!.device_data).toMatchObject({
      name: 'Apple Watch',
      manufacturer: 'Apple Inc.',
      hardware_version: 'Watch7,1',
    });
    expect(activity!.lap_data.laps).toEqual([
      { start_time: '2024-03-02T07:00:00.000000+01:00', end_time: '2024-03-02T07:20:00.000000+01:00' },
      { start_time: '2024-03-02T07:22:00.000000+01:00', end_time: '2024-03-02T07:40:00.000000+01:00' },
    ]);
    expect(activity!.position_data.position_samples).toEqual([
      { timestamp: '2024-03-02T07:00:00.000000+01:00', coords_lat_lng_deg: [52.3731, 4.8897] },
      { timestamp: '2024-03-02T07:00:05.000000+01:00', coords_lat_lng_deg: [52.3732, 4.8901] },
      { timestamp: '2024-03-02T07:00:10.000000+01:00', coords_lat_lng_deg: [52.3733, 4.8905] },
    ]);
    expect(activity!.distance_data.detailed.elevation_samples).toHaveLength(3);
    expect(await records('athlete')).toEqual([{ date_of_birth: '1990-05-20', sex: 'female' }]);

    const counts = async () =>
      Object.fromEntries(
        await Promise.all(
          (['daily', 'body', 'nutrition', 'menstruation', 'sleep', 'activity'] as const).map(async (type) => [
            type,
            await t.store.records.count(user.devId, user.userId, type),
          ]),
        ),
      );
    const before = {
      records: await counts(),
      events: (await t.store.events.list(user.devId, { userId: user.userId })).length,
    };
    const second = await importAppleExport({ store: t.store }, user, zip);
    expect(second).toMatchObject({ samplesNew: 0, samplesDuplicate: first.samplesNew, daysRecomputed: 0, events: 0 });
    expect(await counts()).toEqual(before.records);
    expect((await t.store.events.list(user.devId, { userId: user.userId })).length).toBe(before.events);
  });

  it('imports export.xml from a stream (routes need the zip) and dedupes against SDK uploads of the same samples', async () => {
    const stream = createReadStream(join(FIXTURES, 'tributary-v14/apple_health_export/export.xml'));
    const result = await importAppleExport({ store: t.store }, user, stream, { filename: 'export.xml' });
    expect(result).toMatchObject({ format: 'xml', routes: { attached: 0, missing: 1 } });
    const raw = await t.store.raw.list(user.devId, user.userId, { provider: 'APPLE' });
    expect(JSON.parse(raw[0]!.body.toString())).toMatchObject({
      filename: 'export.xml',
      format: 'xml',
      sha256: result.sha256,
    });

    // The phone later sends the same Watch sample with its real UUID: stored once, steps unchanged.
    const batch = BatchSchema.parse({
      quantity_samples: [
        {
          uuid: '7C1B0A52-1A7E-4C43-9F2B-8B8E4B1A0001',
          type: 'HKQuantityTypeIdentifierStepCount',
          value: 3000,
          unit: 'count',
          start_date: '2024-03-02T08:00:00+01:00',
          end_date: '2024-03-02T08:30:00+01:00',
          source: { name: 'Sam’s Apple Watch' },
          device: { model: 'Watch' },
        },
      ],
    });
    const sdk = await ingestBatch(t.store, user, batch, JSON.stringify(batch));
    expect(sdk).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await records('daily'))[0]!.distance_data.steps).toBe(4200);
  });

  it('reads the public fixtures: legacy totals in miles, routes by FileReference and inline, activity summaries', async () => {
    const zip = await zipFolder(join(FIXTURES, 'healthkit-to-sqlite'), join(tempDir(), 'export.zip'));
    // That folder also holds an old-format export.xml at its root: the one under apple_health_export/ is the export.
    const result = await importAppleExport({ store: t.store }, user, zip);
    expect(result.routes).toEqual({ attached: 1, missing: 0 });
    const [activity] = await records('activity');
    expect(activity!.metadata).toMatchObject({ type: 8, start_time: '2016-11-14T07:25:41.000000-07:00' });
    expect(activity!.distance_data.summary.distance_meters).toBeCloseTo(0.4971749504535062 * 1609.344, 3);
    expect(activity!.calories_data.net_activity_calories).toBeCloseTo(48.745, 3);
    expect(activity!.active_durations_data.activity_seconds).toBeCloseTo(5.19412346680959 * 60, 3);
    expect(activity!.position_data.position_samples).toHaveLength(3);
    expect(activity!.movement_data.speed_samples[0]).toEqual({
      timestamp: '2019-06-11T15:00:42.000000-07:00',
      speed_meters_per_second: 0.180883,
    });

    const days = await records('daily');
    const summaryDay = days.find((d) => d.metadata.start_time.startsWith('2016-11-15'));
    expect(summaryDay).toMatchObject({
      calories_data: { net_activity_calories: 590.252 },
      active_durations_data: { activity_seconds: 68 * 60, standing_hours_count: 13 },
    });
    const hrDay = days.find((d) => d.metadata.start_time.startsWith('2018-09-10'));
    expect(hrDay!.heart_rate_data.summary).toMatchObject({ avg_hr_bpm: 72, min_hr_bpm: 72, max_hr_bpm: 72 });
    const [body] = await records('body');
    expect(body!.measurements_data.measurements).toEqual([
      { measurement_time: '2016-04-18T08:25:32.000000-07:00', BMI: 22.5312 },
    ]);

    const inline = await importAppleExport({ store: t.store }, user, join(FIXTURES, 'healthkit-to-sqlite/export.xml'));
    expect(inline.routes).toEqual({ attached: 0, missing: 0 });
    const [withInline] = await records('activity');
    expect(withInline!.position_data.position_samples).toHaveLength(2);
  });

  it('reads the 2024 fixture: heart rate, energy, exercise and stand time, in-bed and core sleep', async () => {
    const result = await importAppleExport({ store: t.store }, user, join(FIXTURES, 'apple-health-parser/export.xml'));
    expect(result.counts).toMatchObject({ records: 8, otherTypes: 0, invalid: 0 });
    const days = await records('daily');
    expect(days.map((d) => d.metadata.start_time)).toEqual([
      '2024-01-01T00:00:00.000000+02:00',
      '2024-01-02T00:00:00.000000+02:00',
    ]);
    expect(days[0]).toMatchObject({
      heart_rate_data: { summary: { avg_hr_bpm: 74.5, min_hr_bpm: 74, max_hr_bpm: 75 } },
      calories_data: { net_activity_calories: 0.12 },
      active_durations_data: { activity_seconds: 60, standing_seconds: 120 },
    });
    // 85 s in bed at 00:55, then a core stage at 03:27: more than two hours apart, so two sessions.
    const sleep = await records('sleep');
    expect(sleep.map((s) => s.sleep_durations_data)).toEqual([
      { other: { duration_in_bed_seconds: 85 } },
      {
        asleep: {
          duration_asleep_state_seconds: 750,
          duration_light_sleep_state_seconds: 750,
          duration_deep_sleep_state_seconds: 0,
          duration_REM_sleep_state_seconds: 0,
        },
        awake: { duration_awake_state_seconds: 0 },
        hypnogram_samples: [{ timestamp: '2024-01-01T03:27:53.000000+02:00', level: 4 }],
      },
    ]);
  });

  it('rejects what is not an Apple Health export with a clear error and stores nothing', async () => {
    const dir = tempDir();
    const notXml = join(dir, 'x.xml');
    writeFileSync(notXml, 'hello, not xml');
    await expect(importAppleExport({ store: t.store }, user, notXml)).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('not'),
    });
    const otherRoot = join(dir, 'gpx.xml');
    writeFileSync(otherRoot, '<?xml version="1.0"?><gpx><trk/></gpx>');
    await expect(importAppleExport({ store: t.store }, user, otherRoot)).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('<gpx>'),
    });
    await expect(
      importAppleExport(
        { store: t.store },
        user,
        Readable.from([Buffer.from('<HealthData locale="en"><Record type="HKQuantityTypeIdentifierStepCount"')]),
      ),
    ).rejects.toMatchObject({
      code: 'bad_request',
    });
    const zip = await zipFolder(
      join(FIXTURES, 'tributary-v14/apple_health_export/workout-routes'),
      join(dir, 'routes.zip'),
    );
    await expect(importAppleExport({ store: t.store }, user, zip)).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('export.xml'),
    });
    expect(await t.store.records.count(user.devId, user.userId)).toBe(0);
  });
});
