import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importAppleExport } from '../../src/ingest/apple/export-import.ts';
import { openTestStore, tempDir, type TestStore } from '../helpers/engines.ts';
import { generateExport } from './generate-export.ts';

const GIB = 1024 ** 3;
const RSS_BUDGET_BYTES = 300 * 1024 * 1024;

/**
 * A generated export of more than 1 GiB (~4,900 days, ~1.6 M records) through the real
 * importer on the embedded store: every day's totals must match the generator's, and the
 * process must not grow with the file. Runs on SQLite only: the PostgreSQL path is the same
 * code and is covered by the fixture suites; a 1 GiB run on both would double CI time.
 */
describe('Apple Health export import, 1 GiB generated export (sqlite)', () => {
  const dir = tempDir('tributary-apple-1g-');
  const file = join(dir, 'export.xml');
  let t: TestStore | undefined;
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports it with exact totals and bounded memory', { timeout: 600_000 }, async () => {
    const generated = await generateExport(file, GIB);
    expect(generated.bytes).toBeGreaterThanOrEqual(GIB);
    t = await openTestStore('sqlite', 'apple-1g');
    const { developer } = await t.store.developers.create({ name: 'dev' });
    const user = await t.store.users.create(developer.devId, { provider: 'APPLE', state: 'connected' });

    (globalThis as { gc?: () => void }).gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let lastBytes = 0;
    let progressCalls = 0;
    const started = Date.now();
    const result = await importAppleExport({ store: t.store }, user, file, {
      onProgress: (p) => {
        progressCalls++;
        if (p.phase === 'reading') {
          expect(p.bytesRead).toBeGreaterThanOrEqual(lastBytes);
          lastBytes = p.bytesRead;
        }
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `1 GiB export: ${generated.records} records, ${generated.days} days, imported in ${seconds.toFixed(1)} s (${(generated.bytes / 1e6 / seconds).toFixed(1)} MB/s); RSS +${((peak - baseline) / 1e6).toFixed(0)} MB`,
    );

    expect(result.bytes).toBe(generated.bytes);
    expect(result.counts).toMatchObject({
      records: generated.records,
      invalid: 0,
      otherTypes: 0,
      workouts: generated.workouts,
    });
    expect(result.samplesNew).toBe(generated.records);
    expect(progressCalls).toBeGreaterThan(100);
    expect(peak - baseline).toBeLessThan(RSS_BUDGET_BYTES);

    const read = async (type: 'daily' | 'activity' | 'sleep' | 'body') =>
      (await t!.store.records.listJson(user.devId, user.userId, type, { withSamples: false })).map(
        (json) => JSON.parse(json) as unknown,
      );
    const daily = await read('daily');
    expect(daily).toHaveLength(generated.days);
    let steps = 0;
    let distance = 0;
    let active = 0;
    for (const day of daily as {
      metadata: { start_time: string };
      distance_data: { steps: number; distance_meters: number };
      calories_data: { net_activity_calories: number };
    }[]) {
      expect(day.distance_data.steps).toBe(generated.expectedSteps.get(day.metadata.start_time.slice(0, 10)));
      steps += day.distance_data.steps;
      distance += day.distance_data.distance_meters;
      active += day.calories_data.net_activity_calories;
    }
    expect(steps).toBe(generated.totalSteps);
    expect(distance).toBeCloseTo(generated.totalDistanceMeters, 1);
    expect(active).toBeCloseTo(generated.totalActiveKcal, 3);
    const first = daily[0] as {
      metadata: { start_time: string };
      heart_rate_data: { summary: Record<string, number> };
    };
    expect(first.metadata.start_time).toBe(`${generated.firstDay.date}T00:00:00.000000+01:00`);
    expect(first.heart_rate_data.summary).toMatchObject({
      min_hr_bpm: generated.firstDay.minHr,
      max_hr_bpm: generated.firstDay.maxHr,
    });
    expect(first.heart_rate_data.summary.avg_hr_bpm).toBeCloseTo(generated.firstDay.avgHr, 3);
    expect(first.heart_rate_data.summary.avg_hrv_sdnn).toBeCloseTo(generated.firstDay.hrvAvg, 3);

    const activities = (await read('activity')) as { distance_data: { summary: { distance_meters: number } } }[];
    expect(activities).toHaveLength(generated.workouts);
    expect(activities.reduce((sum, a) => sum + a.distance_data.summary.distance_meters, 0)).toBeCloseTo(
      generated.totalWorkoutDistanceMeters,
      1,
    );
    expect(await t.store.records.count(user.devId, user.userId, 'sleep')).toBe(generated.days);
    const body = (await read('body')) as { measurements_data: { measurements: { weight_kg: number }[] } }[];
    expect(body).toHaveLength(generated.days);
    expect(body[0]!.measurements_data.measurements[0]!.weight_kg).toBeCloseTo(generated.firstDay.weightKg, 6);
  });
});
