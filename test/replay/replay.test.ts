import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestBatch } from '../../src/ingest/apple/ingest.ts';
import { replay } from '../../src/ingest/replay.ts';
import { storeRecords, TOMBSTONE_CONTENT_TYPE } from '../../src/ingest/store-records.ts';
import { importWorkoutUpload } from '../../src/ingest/upload-files.ts';
import { naturalKey, type DataType, type TerraRecord } from '../../src/model/data-types.ts';
import { BatchSchema } from '../../src/providers/apple/index.ts';
import { normalizeActivity as normalizeIfit } from '../../src/providers/ifit/ifit-normalize-activity.ts';
import { activityLogSchema, workoutSchema } from '../../src/providers/ifit/ifit-schemas.ts';
import { normalizeDaily, normalizeSleep } from '../../src/providers/oura/oura-normalize.ts';
import type { User } from '../../src/store/store.ts';
import { ENGINES, openTestStore, type TestStore } from '../helpers/engines.ts';
import { expectValidTerra } from '../helpers/terra-schema.ts';

const ROOT = join(import.meta.dirname, '../..');
const text = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const OURA_SLEEP = text('src/providers/oura/fixtures/sleep-long.json');
const OURA_DAY = text('src/providers/oura/fixtures/daily-bundle.json');
const IFIT_LOG = text('src/providers/ifit/fixtures/activity-log-bike.json');
const IFIT_WORKOUT = text('src/providers/ifit/fixtures/workout-studio.json');
const TCX = readFileSync(join(ROOT, 'test/fixtures/files/tcx/python-tcxparser/test.tcx'));

/** What an older normalizer might have stored: the same record with a field it got wrong. */
function stale(record: TerraRecord): TerraRecord {
  const copy = structuredClone(record) as Record<string, unknown> & { metadata: Record<string, unknown> };
  copy.metadata = { ...copy.metadata, name: 'written by an old normalizer' };
  return copy as TerraRecord;
}

const WATCH = {
  source: { name: 'Watch', bundle_id: 'com.apple.health.ABC' },
  device: { name: 'Apple Watch', manufacturer: 'Apple Inc.', model: 'Watch', hardware_version: 'Watch6,7' },
};

/** Replay from raw (issue 13 item 5), on both store engines. */
describe.each(ENGINES)('replay from raw (%s)', (engine) => {
  let t: TestStore;
  let devId: string;
  beforeEach(async (context) => {
    t = await openTestStore(engine, context.task.name);
    devId = (await t.store.developers.create({ name: 'replay' })).developer.devId;
  });
  afterEach(async () => {
    await t.close();
  });

  const user = (provider: string) => t.store.users.create(devId, { provider, state: 'connected' });
  const events = async (userId: string, type?: DataType) =>
    (await t.store.events.list(devId, { userId, ...(type ? { type } : {}) })).length;
  /** Stores a payload as ingest would, with the records an older normalizer made from it. */
  async function ingestStale(u: User, type: DataType, externalId: string, body: string, records: TerraRecord[]) {
    return storeRecords(t.store, {
      user: u,
      type,
      raw: { provider: u.provider, dataType: type, externalId, contentType: 'application/json', body },
      records: records.map(stale),
    });
  }

  it('rebuilds Oura records from raw with today’s normalizers: dry run counts, a run emits only changes, a rerun nothing', async () => {
    const u = await user('OURA');
    const sleep = normalizeSleep(JSON.parse(OURA_SLEEP))!;
    const daily = normalizeDaily(JSON.parse(OURA_DAY))!;
    await ingestStale(u, 'sleep', 'sleep:1', OURA_SLEEP, [sleep]);
    // The day's record is already what today's normalizer makes: it must stay unchanged.
    await storeRecords(t.store, {
      user: u,
      type: 'daily',
      raw: {
        provider: 'OURA',
        dataType: 'daily',
        externalId: 'daily:1',
        contentType: 'application/json',
        body: OURA_DAY,
      },
      records: [daily],
    });
    const eventsBefore = await events(u.userId);

    const dry = await replay(t.store, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, users: 1, payloads: 2, changed: 1, unchanged: 1, failed: 0, events: 0 });
    expect(dry.byType).toEqual({ sleep: { changed: 1, unchanged: 0 }, daily: { changed: 0, unchanged: 1 } });
    expect(await events(u.userId)).toBe(eventsBefore);
    const key = (sleep.metadata as { summary_id: string }).summary_id;
    expect(await t.store.records.get(devId, u.userId, 'sleep', key)).toEqual(stale(sleep));

    const run = await replay(t.store, {});
    expect(run).toMatchObject({ changed: 1, unchanged: 1, events: 1, failed: 0 });
    const stored = await t.store.records.get(devId, u.userId, 'sleep', key);
    expect(stored).toEqual(sleep);
    expectValidTerra('Sleep', stored);
    const sent = await t.store.events.list(devId, { userId: u.userId, type: 'sleep' });
    expect(sent.at(-1)!.payload).toMatchObject({ type: 'sleep', data: [sleep] });
    expect(await events(u.userId, 'daily')).toBe(1);

    const again = await replay(t.store, {});
    expect(again).toMatchObject({ changed: 0, unchanged: 2, events: 0 });
    expect(await events(u.userId)).toBe(eventsBefore + 1);
    // The record still links to the raw payload it was rebuilt from.
    const links = await t.store.records.rawLinks(devId, u.userId, 'sleep', { limit: 5 });
    expect(links[0]!.raw).toMatchObject({ externalId: 'sleep:1', provider: 'OURA' });
  });

  it('uses the newest version of a payload, does not bring back what the provider deleted, and counts unreadable payloads', async () => {
    const u = await user('OURA');
    const doc = JSON.parse(OURA_SLEEP) as Record<string, unknown>;
    const older = { ...doc, average_heart_rate: 70 };
    await ingestStale(u, 'sleep', 'sleep:a', JSON.stringify(older), [normalizeSleep(older)!]);
    await new Promise((done) => setTimeout(done, 5)); // distinct receive times
    const newer = normalizeSleep(doc)!;
    await ingestStale(u, 'sleep', 'sleep:a', OURA_SLEEP, [newer]);
    // A second sleep, then deleted at Oura: its tombstone is the newest version.
    const gone = { ...doc, id: 'gone-1', bedtime_start: '2022-07-10T01:05:14-07:00' };
    await ingestStale(u, 'sleep', 'sleep:gone-1', JSON.stringify(gone), [normalizeSleep(gone)!]);
    await t.store.records.delete(devId, u.userId, 'sleep', ['gone-1']);
    await new Promise((done) => setTimeout(done, 5));
    await t.store.raw.put(devId, {
      userId: u.userId,
      provider: 'OURA',
      dataType: 'sleep',
      externalId: 'sleep:gone-1',
      contentType: TOMBSTONE_CONTENT_TYPE,
      body: '{"deleted":true}',
    });
    // Bytes Oura sent that no normalizer can read: kept raw, counted, nothing invented.
    await t.store.raw.put(devId, {
      userId: u.userId,
      provider: 'OURA',
      dataType: 'sleep',
      externalId: 'sleep:broken',
      contentType: 'application/json',
      body: '{"id": "broken", "bedtime_start": ',
    });

    const run = await replay(t.store, { userId: u.userId });
    expect(run).toMatchObject({ changed: 1, unchanged: 0, failed: 1, skipped: 1 });
    expect(run.failures[0]).toMatchObject({ userId: u.userId, externalId: 'sleep:broken' });
    const key = (newer.metadata as { summary_id: string }).summary_id;
    expect(await t.store.records.get(devId, u.userId, 'sleep', key)).toEqual(newer);
    expect(await t.store.records.get(devId, u.userId, 'sleep', 'gone-1')).toBeUndefined();
    expect(await t.store.records.count(devId, u.userId, 'sleep')).toBe(1);
    expect((await t.store.raw.list(devId, u.userId, { externalId: 'sleep:broken' })).length).toBe(1);
  });

  it('rebuilds an iFit activity from its log and the library workout stored beside it', async () => {
    const u = await user('IFIT');
    const log = activityLogSchema.parse(JSON.parse(IFIT_LOG));
    const workout = workoutSchema.parse(JSON.parse(IFIT_WORKOUT));
    const record = normalizeIfit(log, workout);
    await t.store.raw.put(devId, {
      userId: u.userId,
      provider: 'IFIT',
      dataType: 'ifit_workout',
      externalId: `workout:${log.workout_id}`,
      contentType: 'application/json',
      body: IFIT_WORKOUT,
    });
    await ingestStale(u, 'activity', log.id, IFIT_LOG, [record]);
    const run = await replay(t.store, { provider: 'ifit' });
    // The library workout is read as the log's related payload, not replayed on its own.
    expect(run).toMatchObject({ users: 1, payloads: 1, changed: 1, skipped: 1, failed: 0, events: 1 });
    const stored = await t.store.records.get(devId, u.userId, 'activity', log.id);
    expect(stored).toEqual(record);
    expect((stored!.metadata as { name?: string }).name).toBe(workout.title);
    expectValidTerra('Activity', stored);
  });

  it('decodes uploaded workout files again, including an iFit CSV with the start time it was uploaded with', async () => {
    const u = await user('UPLOAD');
    const tcx = await importWorkoutUpload(t.store, u, TCX, { maxBytes: 10_000_000, filename: 'test.tcx' });
    const csv =
      'Stages_Data,,\nEnglish,,\nTime,Miles,MPH,Watts,HR,RPM\n00:00,0,0,0,0,0\n00:01,0.01,6,120,110,80\n00:02,0.02,6,125,112,82\n';
    const csvStart = '2026-01-02T07:00:00Z';
    const fromCsv = await importWorkoutUpload(t.store, u, Buffer.from(csv), {
      maxBytes: 10_000,
      filename: 'ride.csv',
      startTime: csvStart,
    });
    expect(fromCsv.summaryIds).toHaveLength(1);
    const [tcxKey] = tcx.summaryIds;
    const good = await t.store.records.get(devId, u.userId, 'activity', tcxKey!);
    const rawId = (await t.store.records.rawLinks(devId, u.userId, 'activity', { limit: 10 })).find(
      (link) => link.naturalKey === tcxKey,
    )!.raw!.rawId;
    await t.store.records.upsert(devId, u.userId, 'activity', stale(good!), rawId);

    const run = await replay(t.store, { userId: u.userId, type: 'activity' });
    expect(run).toMatchObject({ payloads: 2, changed: 1, unchanged: 1, failed: 0, events: 1 });
    expect(await t.store.records.get(devId, u.userId, 'activity', tcxKey!)).toEqual(good);
    const csvRecord = await t.store.records.get(devId, u.userId, 'activity', fromCsv.summaryIds[0]!);
    expect((csvRecord!.metadata as { start_time: string }).start_time).toMatch(/^2026-01-02T07:00:00/);
  });

  it('rebuilds Apple Health days from stored samples and workouts from stored batches, within --from/--to', async () => {
    const u = await user('APPLE');
    const sample = (uuid: string, day: string, value: number) => ({
      uuid,
      type: 'HKQuantityTypeIdentifierStepCount',
      value,
      unit: 'count',
      start_date: `${day}T08:00:00+01:00`,
      end_date: `${day}T09:00:00+01:00`,
      ...WATCH,
    });
    const body = JSON.stringify({
      batch_id: 'b1',
      quantity_samples: [sample('s1', '2024-01-10', 1000), sample('s2', '2024-01-11', 2000)],
      workouts: [
        {
          uuid: 'wk1',
          activity_type: 'HKWorkoutActivityTypeRunning',
          start_date: '2024-01-10T08:00:00+01:00',
          end_date: '2024-01-10T08:45:00+01:00',
          duration: 2700,
          ...WATCH,
          statistics: [{ type: 'HKQuantityTypeIdentifierDistanceWalkingRunning', sum: 5, unit: 'km' }],
        },
      ],
    });
    await ingestBatch(t.store, u, BatchSchema.parse(JSON.parse(body)), body);
    const dailies = await t.store.records.listJson(devId, u.userId, 'daily', { withSamples: true });
    expect(dailies).toHaveLength(2);
    const [day10, day11] = dailies.map((json) => JSON.parse(json) as TerraRecord);
    const activities = await t.store.records.listJson(devId, u.userId, 'activity', { withSamples: true });
    const activity = JSON.parse(activities[0]!) as TerraRecord;
    const activityKey = (activity.metadata as { summary_id: string }).summary_id;
    for (const record of [day10!, day11!]) await t.store.records.upsert(devId, u.userId, 'daily', stale(record));
    await t.store.records.upsert(devId, u.userId, 'activity', stale(activity));
    const key10 = naturalKey('daily', day10!)!;
    const key11 = naturalKey('daily', day11!)!;

    // Only the 11th (a local day, +01:00) is in range: the 10th stays as it was.
    const ranged = await replay(t.store, {
      userId: u.userId,
      type: 'daily',
      fromMs: Date.parse('2024-01-11T00:00:00+01:00'),
      toMs: Date.parse('2024-01-12T00:00:00+01:00'),
    });
    expect(ranged).toMatchObject({ changed: 1, failed: 0 });
    expect(await t.store.records.get(devId, u.userId, 'daily', key11)).toEqual(day11);
    expect(await t.store.records.get(devId, u.userId, 'daily', key10)).toEqual(stale(day10!));

    const all = await replay(t.store, { userId: u.userId });
    expect(all.byType.daily).toEqual({ changed: 1, unchanged: 1 });
    expect(all.byType.activity).toEqual({ changed: 1, unchanged: 0 });
    expect(await t.store.records.get(devId, u.userId, 'daily', key10)).toEqual(day10);
    expect(await t.store.records.get(devId, u.userId, 'activity', activityKey)).toEqual(activity);

    // A workout the phone deleted since (its marker is gone) is not brought back.
    const deletion = JSON.stringify({ batch_id: 'b2', deleted: ['wk1'] });
    await ingestBatch(t.store, u, BatchSchema.parse(JSON.parse(deletion)), deletion);
    expect(await t.store.records.count(devId, u.userId, 'activity')).toBe(0);
    await replay(t.store, { userId: u.userId });
    expect(await t.store.records.count(devId, u.userId, 'activity')).toBe(0);
  });

  it('names an unknown user, and leaves other providers and developers alone', async () => {
    await expect(replay(t.store, { userId: 'user_nobody' })).rejects.toThrow(/no user user_nobody/);
    const other = (await t.store.developers.create({ name: 'other' })).developer.devId;
    const theirs = await t.store.users.create(other, { provider: 'OURA', state: 'connected' });
    await ingestStale(theirs, 'sleep', 'sleep:1', OURA_SLEEP, [normalizeSleep(JSON.parse(OURA_SLEEP))!]);
    const mine = await user('IFIT');
    const onlyIfit = await replay(t.store, { provider: 'IFIT' });
    expect(onlyIfit).toMatchObject({ users: 1, changed: 0, payloads: 0 });
    expect(mine.provider).toBe('IFIT');
    const everyone = await replay(t.store, { dryRun: true });
    expect(everyone).toMatchObject({ users: 2, changed: 1 });
  });
});
