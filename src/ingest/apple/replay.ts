import type { DataType, TerraRecord } from '../../model/data-types.ts';
import { BatchSchema, isSleepBucket, normalizeActivity, type SampleRow } from '../../providers/apple/index.ts';
import type { Store, User } from '../../store/store.ts';
import { normalizeBucket, PROVIDER, WORKOUT_MARKER_TYPE, workoutHeartRate, workoutInput } from './ingest.ts';

const CHUNK = 14;
const DAY_MS = 86_400_000;

/** One group of rebuilt records, as replay applies them. */
export interface AppleReplayed {
  type: DataType;
  records: TerraRecord[];
}

/**
 * Replay for Apple Health: its stored raw data at sample level is the sample table (SDK
 * batches and exports both land there verbatim, in canonical units), so days and nights are
 * rebuilt from it with today's normalizers; workouts are rebuilt from the stored SDK batches
 * (the newest batch naming a workout wins) while their marker row says they still exist.
 * Workouts of Health exports keep no raw body (an export can be gigabytes) and are not replayed.
 */
export async function* appleReplay(
  store: Store,
  user: User,
  options: { wants: (type: DataType) => boolean; fromMs?: number; toMs?: number },
): AsyncIterable<AppleReplayed> {
  const all = await store.appleSamples.buckets(user.devId, user.userId);
  const buckets = all.filter((bucket) => {
    if (bucket === 'workout') return false;
    const wanted = isSleepBucket(bucket)
      ? options.wants('sleep')
      : ['daily', 'body', 'nutrition', 'menstruation'].some((type) => options.wants(type as DataType));
    if (!wanted) return false;
    // Buckets are local dates: keep a day's margin either side, replay filters records exactly.
    const day = Date.parse(`${bucket.replace(/^sleep:/, '')}T00:00:00Z`);
    if (!Number.isFinite(day)) return true;
    return (
      (options.fromMs === undefined || day + 2 * DAY_MS > options.fromMs) &&
      (options.toMs === undefined || day - 2 * DAY_MS < options.toMs)
    );
  });
  for (let i = 0; i < buckets.length; i += CHUNK) {
    const chunk = buckets.slice(i, i + CHUNK);
    const rows = await store.appleSamples.inBuckets(user.devId, user.userId, chunk);
    const byBucket = new Map<string, SampleRow[]>(chunk.map((bucket) => [bucket, []]));
    for (const row of rows) byBucket.get(row.bucket)?.push(row);
    const grouped = new Map<DataType, TerraRecord[]>();
    for (const [bucket, bucketRows] of byBucket)
      for (const [type, records] of Object.entries(normalizeBucket(bucket, bucketRows)))
        if (records.length && options.wants(type as DataType))
          grouped.set(type as DataType, [...(grouped.get(type as DataType) ?? []), ...records]);
    for (const [type, records] of grouped) yield { type, records };
  }
  if (!options.wants('activity')) return;
  const markers = new Set(
    (await store.appleSamples.inBuckets(user.devId, user.userId, ['workout']))
      .filter((row) => row.type === WORKOUT_MARKER_TYPE && row.uuid)
      .map((row) => row.uuid!),
  );
  if (markers.size === 0) return;
  const latest = new Map<string, ReturnType<typeof workoutInput>>();
  for (const raw of await store.raw.list(user.devId, user.userId, { provider: PROVIDER })) {
    if (raw.dataType !== 'batch') continue;
    let parsed;
    try {
      parsed = BatchSchema.safeParse(JSON.parse(raw.body.toString('utf8')));
    } catch {
      continue; // a stored batch that is not JSON was refused when it arrived: it made no record
    }
    if (!parsed.success) continue;
    parsed.data.workouts.forEach((workout, index) => {
      if (!workout.uuid || !markers.has(workout.uuid)) return;
      try {
        latest.set(workout.uuid, workoutInput(workout, index));
      } catch {
        // Refused when it arrived (bad unit or time): it made no record then either.
      }
    });
  }
  const records: TerraRecord[] = [];
  for (const input of latest.values())
    records.push(normalizeActivity(input, await workoutHeartRate(store, user, input)));
  if (records.length) yield { type: 'activity', records };
}
