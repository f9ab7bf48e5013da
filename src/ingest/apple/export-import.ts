import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { TributaryError } from '../../core/errors.ts';
import type { Signal } from '../../core/signal.ts';
import { storeRecords } from '../store-records.ts';
import type { TerraRecord } from '../../model/data-types.ts';
import type { Store, User } from '../../store/index.ts';
import { PROVIDER, recomputeBuckets, storeWorkouts, type RecordCounts } from './ingest.ts';
import type { SampleRow } from '../../providers/apple/index.ts';
import { ACTIVITY_SUMMARY_TYPE } from '../../providers/apple/index.ts';
import { parseGpx } from '../../providers/apple/index.ts';
import { ExportXmlParser, type ExportCounts, type ExportWorkout } from '../../providers/apple/index.ts';
import { openExportZip, type ExportZip } from '../../providers/apple/index.ts';

export interface ImportProgress {
  phase: 'reading' | 'days' | 'done';
  /** Bytes of export.xml read so far (uncompressed), and its size when known. */
  bytesRead: number;
  totalBytes: number | null;
  samples: number;
  workouts: number;
  /** During `days`: days and nights recomputed so far, of `daysTotal`. */
  days: number;
  daysTotal: number;
}

export interface ImportSummary {
  format: 'zip' | 'xml';
  bytes: number;
  sha256: string;
  exportDate: string | null;
  counts: ExportCounts;
  /** Samples stored for the first time, and samples already stored (an earlier import or the SDK). */
  samplesNew: number;
  samplesDuplicate: number;
  routes: { attached: number; missing: number };
  daysRecomputed: number;
  changed: RecordCounts;
  events: number;
}

export interface ImportDeps {
  store: Store;
  /** Notified after each commit that wrote outbox events (wakes the dispatcher). */
  eventsCommitted?: Signal;
}

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  /** Size of the input when it is a stream (for progress). */
  totalBytes?: number;
  filename?: string;
}

const FLUSH_ROWS = 1000;
const FLUSH_WORKOUTS = 25;

/**
 * Imports an Apple Health export (`export.zip` or `export.xml`, as a file path or a stream)
 * for `user`: samples into the sample table, workouts (with routes from the zip's GPX files)
 * as activities, then every day and night that received new samples is recomputed into
 * Daily, Body, Nutrition, Menstruation and Sleep records. Streams throughout (memory does not
 * grow with the export); commits in chunks, so an interrupted import keeps what it stored,
 * and importing the same export again stores nothing twice and sends no events.
 */
export async function importAppleExport(
  deps: ImportDeps,
  user: User,
  source: string | Readable,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  let spoolDir: string | undefined;
  try {
    let path: string | undefined = typeof source === 'string' ? source : undefined;
    let stream: AsyncIterable<Buffer> | undefined;
    let isZip: boolean;
    if (path !== undefined) {
      isZip = await fileStartsWithZipMagic(path);
    } else {
      const { head, rest } = await peek(source as Readable);
      isZip = isZipMagic(head);
      if (isZip) {
        // yauzl needs random access (the central directory is at the end): spool to a temp file.
        spoolDir = await mkdtemp(join(tmpdir(), 'tributary-apple-'));
        path = join(spoolDir, 'export.zip');
        await pipeline(rest, createWriteStream(path));
      } else {
        stream = rest;
      }
    }
    if (isZip) {
      const zip = await openExportZip(path!);
      if (!zip)
        throw new TributaryError('bad_request', 'not an Apple Health export: the zip holds no export.xml', {
          parameter: 'file',
        });
      try {
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(path!)) hash.update(chunk as Buffer);
        return await run(
          deps,
          user,
          await zip.openXml(),
          { ...options, totalBytes: zip.xmlSize },
          'zip',
          zip,
          hash.digest('hex'),
        );
      } finally {
        zip.close();
      }
    }
    if (!stream) {
      const size = (await stat(path!)).size;
      return await run(
        deps,
        user,
        createReadStream(path!, { highWaterMark: 1 << 18 }),
        { ...options, totalBytes: options.totalBytes ?? size },
        'xml',
        undefined,
      );
    }
    return await run(deps, user, stream, options, 'xml', undefined);
  } finally {
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  }
}

async function run(
  deps: ImportDeps,
  user: User,
  xml: AsyncIterable<Buffer | string>,
  options: ImportOptions,
  format: 'zip' | 'xml',
  zip: ExportZip | undefined,
  fileSha?: string,
): Promise<ImportSummary> {
  const { store } = deps;
  const pendingRows: SampleRow[] = [];
  const pendingSummaries: SampleRow[] = [];
  const pendingWorkouts: ExportWorkout[] = [];
  let athlete: TerraRecord | undefined;
  const parser = new ExportXmlParser({
    // Rings grow during their day: a later export's summary replaces the stored one.
    sample: (row) => (row.type === ACTIVITY_SUMMARY_TYPE ? pendingSummaries.push(row) : pendingRows.push(row)),
    workout: (w) => pendingWorkouts.push(w),
    athlete: (record) => (athlete = record),
  });
  const touched = new Set<string>();
  const changed: RecordCounts = {};
  const summary = { samplesNew: 0, samplesSeen: 0, events: 0, routesAttached: 0, routesMissing: 0 };
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let bytesRead = 0;
  const totalBytes = options.totalBytes ?? null;
  const progress = (phase: ImportProgress['phase'], days = 0, daysTotal = 0) =>
    options.onProgress?.({
      phase,
      bytesRead,
      totalBytes,
      samples: summary.samplesSeen,
      workouts: parser.counts.workouts,
      days,
      daysTotal,
    });
  const committed = (events: number) => {
    summary.events += events;
    if (events > 0) deps.eventsCommitted?.notify();
  };

  const flushRows = async () => {
    if (pendingRows.length === 0 && pendingSummaries.length === 0) return;
    const rows = pendingRows.splice(0, pendingRows.length);
    const summaries = pendingSummaries.splice(0, pendingSummaries.length);
    summary.samplesSeen += rows.length;
    const result = await store.transaction(async (tx) => {
      const inserted = await tx.appleSamples.insert(user.devId, user.userId, rows);
      const replaced = await tx.appleSamples.insert(user.devId, user.userId, summaries, { replace: true });
      for (const bucket of replaced.buckets) inserted.buckets.add(bucket);
      return inserted;
    });
    summary.samplesNew += result.inserted;
    for (const bucket of result.buckets) touched.add(bucket);
  };
  const flushWorkouts = async () => {
    if (pendingWorkouts.length === 0) return;
    // Samples parsed so far go in first, so a workout finds the heart rate recorded during it.
    await flushRows();
    const workouts = pendingWorkouts
      .splice(0, pendingWorkouts.length)
      .filter((w) => Number.isFinite(w.input.startMs) && Number.isFinite(w.input.endMs));
    for (const w of workouts) {
      if (!w.routeFile) continue;
      const stream = zip ? await zip.openReferenced(w.routeFile) : undefined;
      if (!stream) {
        summary.routesMissing++;
        continue;
      }
      try {
        w.input.route = await parseGpx(stream);
        summary.routesAttached++;
      } catch {
        summary.routesMissing++;
      }
    }
    const stored = await storeWorkouts(
      store,
      user,
      workouts.map((w) => ({ input: w.input })),
    );
    if (stored.changed) changed.activity = (changed.activity ?? 0) + stored.changed;
    committed(stored.events);
  };

  for await (const chunk of xml) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hash.update(buffer);
    bytesRead += buffer.length;
    parser.write(decoder.write(buffer));
    if (pendingRows.length >= FLUSH_ROWS) await flushRows();
    if (pendingWorkouts.length >= FLUSH_WORKOUTS) await flushWorkouts();
    progress('reading');
  }
  parser.write(decoder.end());
  parser.close();
  await flushRows();
  await flushWorkouts();
  if (athlete) {
    const stored = await storeRecords(store, { user, type: 'athlete', records: [athlete] });
    if (stored.changedKeys.length) changed.athlete = 1;
    committed(stored.eventId ? 1 : 0);
  }

  const buckets = [...touched];
  let done = 0;
  progress('days', 0, buckets.length);
  const recomputed = await recomputeBuckets(store, user, buckets, {
    onChunk: (count, events) => {
      done += count;
      committed(events);
      progress('days', done, buckets.length);
    },
  });
  for (const [type, n] of Object.entries(recomputed.changed))
    changed[type as keyof RecordCounts] = (changed[type as keyof RecordCounts] ?? 0) + n;

  const sha256 = fileSha ?? hash.digest('hex');
  const result: ImportSummary = {
    format,
    bytes: bytesRead,
    sha256,
    exportDate: parser.exportDate ?? null,
    counts: parser.counts,
    samplesNew: summary.samplesNew,
    samplesDuplicate: summary.samplesSeen - summary.samplesNew,
    routes: { attached: summary.routesAttached, missing: summary.routesMissing },
    daysRecomputed: buckets.length,
    changed,
    events: summary.events,
  };
  // The export itself can be gigabytes: what is kept verbatim is its fingerprint and this report.
  await store.raw.put(user.devId, {
    userId: user.userId,
    provider: PROVIDER,
    dataType: 'export',
    externalId: `export:${sha256}`,
    contentType: 'application/json',
    body: JSON.stringify({
      filename: options.filename ?? null,
      format,
      bytes: bytesRead,
      sha256,
      export_date: result.exportDate,
      counts: result.counts,
    }),
  });
  progress('done', done, buckets.length);
  return result;
}

function isZipMagic(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

async function fileStartsWithZipMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return isZipMagic(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Reads the first chunk of a stream and gives back an iterable that still yields it. */
async function peek(stream: Readable): Promise<{ head: Buffer; rest: Readable & AsyncIterable<Buffer> }> {
  const { Readable: ReadableClass } = await import('node:stream');
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head: Buffer = first.done
    ? Buffer.alloc(0)
    : Buffer.isBuffer(first.value)
      ? first.value
      : Buffer.from(first.value as string);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
    }
  }
  return { head, rest: ReadableClass.from(all(), { objectMode: false }) as Readable & AsyncIterable<Buffer> };
}

/** True when `head` (the first bytes of a file) is an Apple Health export.xml. */
export function looksLikeAppleHealthXml(head: Buffer | string): boolean {
  const text = (typeof head === 'string' ? head : head.subarray(0, 256 * 1024).toString('utf8')).slice(0, 256 * 1024);
  return /<HealthData[\s>]/.test(text);
}
