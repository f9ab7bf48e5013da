import type { DataType, TerraRecord } from '../../model/data-types.ts';
import { storeRecords } from '../store-records.ts';
import type { Store, User } from '../../store/index.ts';
import { TributaryError } from '../../core/errors.ts';
import type { Batch } from '../../providers/apple/index.ts';
import { sourceTier } from '../../providers/apple/index.ts';
import { normalizeActivity, workoutSummaryId, type WorkoutInput } from '../../providers/apple/index.ts';
import { normalizeBody } from '../../providers/apple/index.ts';
import { normalizeDaily } from '../../providers/apple/index.ts';
import { normalizeMenstruation } from '../../providers/apple/index.ts';
import { normalizeNutrition } from '../../providers/apple/index.ts';
import { normalizeSleep } from '../../providers/apple/index.ts';
import { activitySummaryRow, categoryRow, quantityRow } from '../../providers/apple/index.ts';
import { isSleepBucket, type SampleRow } from '../../providers/apple/index.ts';
import { localDate, parseLocalInstant, toCanonical, type LocalInstant } from '../../providers/apple/index.ts';

export const PROVIDER = 'APPLE';
/** Pseudo-type of the marker row that maps a workout's HealthKit UUID to its activity (so a deletion can find it). */
export const WORKOUT_MARKER_TYPE = 'HKWorkout';
const DAY_TYPES = ['daily', 'body', 'nutrition', 'menstruation'] as const satisfies readonly DataType[];
const RECOMPUTE_CHUNK = 14;

export type RecordCounts = Partial<Record<DataType, number>>;

export interface RecomputeResult {
  /** Records whose stored payload changed, per type (these went out as events). */
  changed: RecordCounts;
  events: number;
}

/**
 * Recomputes the Terra records of the given buckets (local dates and sleep nights) from
 * every stored sample, and stores the ones that changed (one event per type per chunk of
 * days). With `cleanup`, records a bucket no longer produces (its samples were deleted)
 * are removed. Runs in the caller's transaction when given one.
 */
export async function recomputeBuckets(
  store: Store,
  user: User,
  buckets: Iterable<string>,
  options: { cleanup?: boolean; onChunk?: (buckets: number, events: number) => void } = {},
): Promise<RecomputeResult> {
  const all = [...new Set(buckets)].sort();
  const result: RecomputeResult = { changed: {}, events: 0 };
  for (let i = 0; i < all.length; i += RECOMPUTE_CHUNK) {
    const chunk = all.slice(i, i + RECOMPUTE_CHUNK);
    const eventsBefore = result.events;
    await store.transaction(async (tx) => {
      // Read before the samples: a bucket changed after this read keeps its (new) dirty mark.
      const marks = await tx.appleSamples.dirtyMarks(user.devId, user.userId, chunk);
      const rows = await tx.appleSamples.inBuckets(user.devId, user.userId, chunk);
      const byBucket = new Map<string, SampleRow[]>(chunk.map((bucket) => [bucket, []]));
      for (const row of rows) byBucket.get(row.bucket)?.push(row);
      const records: Record<DataType, TerraRecord[]> = {
        activity: [],
        athlete: [],
        body: [],
        daily: [],
        menstruation: [],
        nutrition: [],
        sleep: [],
        planned_workout: [],
      };
      const stale: { type: DataType; key: string }[] = [];
      for (const [bucket, bucketRows] of byBucket) {
        const built = normalizeBucket(bucket, bucketRows);
        if (isSleepBucket(bucket)) {
          const night = bucket.slice('sleep:'.length);
          records.sleep.push(...built.sleep);
          if (options.cleanup)
            for (let n = built.sleep.length; n < built.sleep.length + 8; n++)
              stale.push({ type: 'sleep', key: `apple-sleep-${night}-${n}` });
          continue;
        }
        for (const type of DAY_TYPES) {
          const record = built[type][0];
          if (record) records[type].push(record);
          else if (options.cleanup) stale.push({ type, key: bucket });
        }
      }
      for (const { type, key } of stale) await tx.records.delete(user.devId, user.userId, type, [key]);
      for (const type of ['daily', 'body', 'nutrition', 'menstruation', 'sleep'] as const) {
        if (records[type].length === 0) continue;
        const stored = await storeRecords(tx, { user, type, records: records[type] });
        if (stored.changedKeys.length) result.changed[type] = (result.changed[type] ?? 0) + stored.changedKeys.length;
        if (stored.eventId) result.events++;
      }
      await tx.appleSamples.clearDirty(user.devId, user.userId, marks);
    });
    options.onChunk?.(chunk.length, result.events - eventsBefore);
  }
  return result;
}

/**
 * The records one bucket's samples make (pure): a sleep night's sessions, or a day's daily,
 * body, nutrition and menstruation (each absent when the day has nothing for it).
 */
export function normalizeBucket(
  bucket: string,
  rows: SampleRow[],
): Record<'sleep' | (typeof DAY_TYPES)[number], TerraRecord[]> {
  const some = (record: TerraRecord | undefined) => (record ? [record] : []);
  if (isSleepBucket(bucket))
    return {
      sleep: normalizeSleep(bucket.slice('sleep:'.length), rows),
      daily: [],
      body: [],
      nutrition: [],
      menstruation: [],
    };
  return {
    sleep: [],
    daily: some(normalizeDaily(bucket, rows)),
    body: some(normalizeBody(bucket, rows)),
    nutrition: some(normalizeNutrition(bucket, rows)),
    menstruation: some(normalizeMenstruation(bucket, rows)),
  };
}

/**
 * Recomputes buckets left dirty (issue 10 item 10b): their samples committed, but the process
 * that committed them died before recomputing (or failed to). Runs at start-up and from time to
 * time for buckets marked before `markedBeforeMs`; a recompute is idempotent, so racing a live
 * ingest of the same day only costs time. Returns how many buckets were recomputed.
 */
export async function drainDirtyBuckets(
  store: Store,
  options: { markedBeforeMs: number; limit?: number; onError?: (error: unknown, userId: string) => void },
): Promise<number> {
  const dirty = await store.appleSamples.dirty(options.markedBeforeMs, options.limit ?? 1000);
  const byUser = new Map<string, { devId: string; userId: string; buckets: string[] }>();
  for (const row of dirty) {
    const key = `${row.devId}\u0000${row.userId}`;
    const entry = byUser.get(key) ?? { devId: row.devId, userId: row.userId, buckets: [] };
    entry.buckets.push(row.bucket);
    byUser.set(key, entry);
  }
  let done = 0;
  for (const { devId, userId, buckets } of byUser.values()) {
    const user = await store.users.get(devId, userId);
    if (!user) continue; // deleted: its dirty rows went with it
    try {
      // Whether samples were deleted is not known any more: records a bucket no longer makes go.
      await recomputeBuckets(store, user, buckets, { cleanup: true });
      done += buckets.length;
    } catch (error) {
      options.onError?.(error, userId);
    }
  }
  return done;
}

/** Stores workouts as activities (with a marker row per HealthKit UUID); returns how many changed. */
export async function storeWorkouts(
  store: Store,
  user: User,
  workouts: readonly { uuid?: string; input: WorkoutInput }[],
): Promise<{ changed: number; events: number }> {
  if (workouts.length === 0) return { changed: 0, events: 0 };
  return store.transaction(async (tx) => {
    const markers: SampleRow[] = workouts
      .filter((w) => w.uuid)
      .map(({ uuid, input }) => ({
        uuid: uuid!,
        type: WORKOUT_MARKER_TYPE,
        sourceName: input.sourceName,
        startMs: input.startMs,
        endMs: input.endMs,
        offsetMin: input.offsetMin,
        bucket: 'workout',
        value: null,
        textValue: workoutSummaryId(input),
        priority: 0,
        meta: null,
      }));
    await tx.appleSamples.insert(user.devId, user.userId, markers);
    const records: TerraRecord[] = [];
    for (const { input } of workouts) records.push(normalizeActivity(input, await workoutHeartRate(tx, user, input)));
    const stored = await storeRecords(tx, { user, type: 'activity', records });
    return { changed: stored.changedKeys.length, events: stored.eventId ? 1 : 0 };
  });
}

/** Heart-rate samples already stored for the workout's time window (from any source), in time order. */
export async function workoutHeartRate(
  store: Store,
  user: User,
  w: WorkoutInput,
): Promise<{ ms: number; bpm: number }[]> {
  if (!Number.isFinite(w.startMs) || !Number.isFinite(w.endMs) || w.endMs - w.startMs > 2 * 86_400_000) return [];
  const buckets = new Set<string>();
  for (let day = w.startMs - 86_400_000; day <= w.endMs + 86_400_000; day += 86_400_000)
    buckets.add(localDate(day, w.offsetMin));
  const rows = await store.appleSamples.inBuckets(user.devId, user.userId, [...buckets]);
  return rows
    .filter(
      (row) => row.type === HEART_RATE && row.value !== null && row.startMs >= w.startMs && row.startMs <= w.endMs,
    )
    .sort((a, b) => a.startMs - b.startMs)
    .map((row) => ({ ms: row.startMs, bpm: row.value! }));
}
const HEART_RATE = 'HKQuantityTypeIdentifierHeartRate';

export interface BatchResult {
  accepted: number;
  duplicates: number;
  ignored: number;
  deleted: number;
  workouts: number;
  days_recomputed: number;
  changed: RecordCounts;
  events: number;
}

/**
 * Ingests one SDK batch: keeps it verbatim, stores new samples (re-sent UUIDs are skipped),
 * applies deletions, stores workouts, then recomputes every day and night the batch touched,
 * late or out-of-order. Each step commits on its own; re-sending the batch after a failure
 * is safe because every step is idempotent.
 */
export async function ingestBatch(store: Store, user: User, batch: Batch, rawBody: string): Promise<BatchResult> {
  const { rows, summaries, ignored } = batchRows(batch);
  const workouts = batch.workouts.map((w, i) => ({ uuid: w.uuid, input: workoutInput(w, i) }));
  const touched = new Set<string>();
  let deletedCount = 0;
  let inserted = 0;
  let removedActivities = 0;
  await store.transaction(async (tx) => {
    await tx.raw.put(user.devId, {
      userId: user.userId,
      provider: PROVIDER,
      dataType: 'batch',
      externalId: batch.batch_id ?? 'sdk-batch',
      contentType: 'application/json',
      body: rawBody,
    });
    const fresh = await tx.appleSamples.insert(user.devId, user.userId, rows);
    inserted = fresh.inserted;
    for (const bucket of fresh.buckets) touched.add(bucket);
    // A day's rings grow while the day lasts: a newer summary replaces the stored one.
    for (const bucket of (await tx.appleSamples.insert(user.devId, user.userId, summaries, { replace: true })).buckets)
      touched.add(bucket);
    const deleted = await tx.appleSamples.delete(user.devId, user.userId, batch.deleted);
    deletedCount = deleted.length;
    for (const row of deleted) {
      if (row.bucket === 'workout' && row.textValue)
        removedActivities += (await tx.records.delete(user.devId, user.userId, 'activity', [row.textValue])).length;
      else touched.add(row.bucket);
    }
  });
  const stored = await storeWorkouts(store, user, workouts);
  const recomputed = await recomputeBuckets(store, user, touched, { cleanup: deletedCount > 0 });
  return {
    accepted: inserted,
    duplicates: rows.length - inserted,
    ignored,
    deleted: deletedCount + removedActivities,
    workouts: workouts.length,
    days_recomputed: touched.size,
    changed: { ...recomputed.changed, ...(stored.changed ? { activity: stored.changed } : {}) },
    events: recomputed.events + stored.events,
  };
}

function instant(text: string, path: string): LocalInstant {
  const parsed = parseLocalInstant(text);
  if (!parsed)
    throw new TributaryError(
      'bad_request',
      `${path}: ${JSON.stringify(text)} is not an ISO 8601 timestamp with an offset`,
      { parameter: path },
    );
  return parsed;
}

function withPath<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof TributaryError && error.code === 'bad_request')
      throw new TributaryError('bad_request', `${path}: ${error.message}`, { parameter: path });
    throw error;
  }
}

function ordered(start: LocalInstant, end: LocalInstant, path: string): void {
  if (end.ms < start.ms)
    throw new TributaryError('bad_request', `${path}.end_date is before start_date`, { parameter: `${path}.end_date` });
}

/** Batch samples → table rows (canonical units). Types Tributary does not normalize are counted as ignored. */
export function batchRows(batch: Batch): { rows: SampleRow[]; summaries: SampleRow[]; ignored: number } {
  const rows: SampleRow[] = [];
  let ignored = 0;
  batch.quantity_samples.forEach((s, i) => {
    const path = `quantity_samples[${i}]`;
    const start = instant(s.start_date, `${path}.start_date`);
    const end = instant(s.end_date, `${path}.end_date`);
    ordered(start, end, path);
    const tier = sourceTier({
      name: s.source.name,
      bundleId: s.source.bundle_id,
      deviceModel: s.device?.model,
      hardware: s.device?.hardware_version,
    });
    const row = withPath(`${path}.unit`, () =>
      quantityRow({
        uuid: s.uuid,
        type: s.type,
        value: s.value,
        unit: s.unit,
        start,
        end,
        sourceName: s.source.name,
        tier,
        metadata: s.metadata,
      }),
    );
    if (row) rows.push(row);
    else ignored++;
  });
  batch.category_samples.forEach((s, i) => {
    const path = `category_samples[${i}]`;
    const start = instant(s.start_date, `${path}.start_date`);
    const end = instant(s.end_date, `${path}.end_date`);
    ordered(start, end, path);
    const tier = sourceTier({
      name: s.source.name,
      bundleId: s.source.bundle_id,
      deviceModel: s.device?.model,
      hardware: s.device?.hardware_version,
    });
    const row = categoryRow({
      uuid: s.uuid,
      type: s.type,
      value: s.value,
      start,
      end,
      sourceName: s.source.name,
      tier,
      metadata: s.metadata,
    });
    if (row) rows.push(row);
    else ignored++;
  });
  // One summary per date (the last one wins): a date given twice in one statement would make the upsert fail on PostgreSQL.
  const lastPerDate = new Map(batch.activity_summaries.map((s, i) => [s.date, i]));
  const summaries = batch.activity_summaries
    .flatMap((s, i) => (lastPerDate.get(s.date) === i ? [s] : []))
    .map((s, i) =>
      withPath(`activity_summaries[${i}]`, () =>
        activitySummaryRow({
          date: s.date,
          offsetMin: s.utc_offset_minutes ?? 0,
          activeEnergyBurnedKcal:
            s.active_energy_burned === undefined
              ? undefined
              : toCanonical(s.active_energy_burned, s.active_energy_burned_unit, 'energy', 'active_energy_burned'),
          activeEnergyBurnedGoalKcal:
            s.active_energy_burned_goal === undefined
              ? undefined
              : toCanonical(
                  s.active_energy_burned_goal,
                  s.active_energy_burned_unit,
                  'energy',
                  'active_energy_burned_goal',
                ),
          appleExerciseTimeSeconds:
            s.apple_exercise_time_minutes === undefined ? undefined : s.apple_exercise_time_minutes * 60,
          appleExerciseTimeGoalSeconds:
            s.apple_exercise_time_goal_minutes === undefined ? undefined : s.apple_exercise_time_goal_minutes * 60,
          appleStandHours: s.apple_stand_hours,
          appleStandHoursGoal: s.apple_stand_hours_goal,
        }),
      ),
    );
  return { rows, summaries, ignored };
}

export function workoutInput(w: Batch['workouts'][number], i: number): WorkoutInput {
  const path = `workouts[${i}]`;
  const start = instant(w.start_date, `${path}.start_date`);
  const end = instant(w.end_date, `${path}.end_date`);
  ordered(start, end, path);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(w.metadata ?? {}))
    metadata[key] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  const input: WorkoutInput = {
    activityType: w.activity_type,
    startMs: start.ms,
    endMs: end.ms,
    offsetMin: start.offsetMin,
    duration: w.duration === undefined ? undefined : { value: w.duration, unit: 's' },
    sourceName: w.source.name,
    device: w.device && {
      name: w.device.name,
      manufacturer: w.device.manufacturer,
      model: w.device.model,
      hardwareVersion: w.device.hardware_version,
      softwareVersion: w.device.software_version,
    },
    statistics: w.statistics,
    metadata,
    events: w.events.map((e, j) => ({
      type: e.type,
      startMs: instant(e.start_date, `${path}.events[${j}].start_date`).ms,
      endMs: e.end_date ? instant(e.end_date, `${path}.events[${j}].end_date`).ms : undefined,
    })),
    route: w.route.map((p, j) => ({
      ms: instant(p.timestamp, `${path}.route[${j}].timestamp`).ms,
      lat: p.latitude,
      lon: p.longitude,
      elevation: p.altitude,
      speed: p.speed,
    })),
  };
  // Validate units now, so a bad batch is rejected before anything is stored.
  withPath(path, () => normalizeActivity(input));
  return input;
}
