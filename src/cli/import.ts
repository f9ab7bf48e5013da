import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { openConfiguredStore } from '../app.ts';
import { loadConfig } from '../core/config.ts';
import { isTributaryError } from '../core/errors.ts';
import { formatBytes } from '../formats/errors.ts';
import { importWorkoutUpload } from '../ingest/upload-files.ts';
import { importAppleExportUpload, progressLine } from '../ingest/apple/export-upload.ts';
import type { Store, User } from '../store/store.ts';
import { IMPORT_USAGE } from './usage.ts';

/** Extensions picked up when walking a folder; files named explicitly are always tried. */
const WORKOUT_EXTENSIONS = /\.(fit|tcx|gpx|csv|zip|gz)$/i;

interface Outcome {
  file: string;
  status: 'imported' | 'skipped' | 'rejected';
  reason?: string;
  activities?: number;
  /** The content is none of the workout formats. */
  unrecognized?: boolean;
}

/**
 * `tributary import`: the same import as `POST /v2/files`, from the command line, for a
 * user's workout history on disk. Opens the store directly (works beside a running server;
 * the server's dispatcher delivers the events). Prints a progress bar and a summary of
 * imported, skipped and rejected files with reasons; exits 1 when a file was rejected.
 */
export async function importCommand(
  args: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        user: { type: 'string' },
        'dev-id': { type: 'string' },
        'start-time': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (error) {
    err.write(`tributary import: ${(error as Error).message}\n\nusage:\n${IMPORT_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (!values.user || positionals.length === 0) {
    err.write(`usage:\n${IMPORT_USAGE}\n`);
    return 2;
  }
  const config = loadConfig(process.env);
  const store = await openConfiguredStore(config);
  try {
    const user = await findUser(store, values.user, values['dev-id']);
    if (!user) {
      err.write(
        `tributary import: user ${values.user} not found${values['dev-id'] ? ` for developer ${values['dev-id']}` : ''}\n`,
      );
      return 1;
    }
    const { files, found, skipped } = collectFiles(positionals);
    const outcomes: Outcome[] = [...skipped];
    const progress = progressBar(err, files.length);
    for (const [index, file] of files.entries()) {
      progress.update(index, basename(file));
      const outcome = await importOne(store, user, file, {
        maxBytes: config.maxUploadBytes,
        startTime: values['start-time'],
      });
      // In a folder, a .csv or .zip that holds no workout (another app's export) is passed over, not an error.
      if (outcome.status === 'rejected' && outcome.unrecognized && found.has(file)) outcome.status = 'skipped';
      outcomes.push(outcome);
    }
    progress.done(files.length);
    writeSummary(out, outcomes, values.json === true);
    return outcomes.some((o) => o.status === 'rejected') ? 1 : 0;
  } finally {
    await store.close();
  }
}

async function findUser(store: Store, userId: string, devId: string | undefined): Promise<User | undefined> {
  if (devId) return store.users.get(devId, userId);
  for (const developer of await store.developers.list()) {
    const user = await store.users.get(developer.devId, userId);
    if (user) return user;
  }
  return undefined;
}

/** Files named on the command line, and workout files found in the named folders (recursively). */
function collectFiles(paths: string[]): { files: string[]; found: Set<string>; skipped: Outcome[] } {
  const files: string[] = [];
  const found = new Set<string>();
  const skipped: Outcome[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (WORKOUT_EXTENSIONS.test(name)) {
        files.push(path);
        found.add(path);
      } else
        skipped.push({
          file: path,
          status: 'skipped',
          reason: 'not a workout file type (.fit, .tcx, .gpx, .csv, .zip, .gz)',
        });
    }
  };
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      skipped.push({ file: path, status: 'rejected', reason: 'no such file or folder' });
      continue;
    }
    if (stat.isDirectory()) walk(path);
    else files.push(path);
  }
  return { files, found, skipped };
}

async function importOne(
  store: Store,
  user: User,
  file: string,
  options: { maxBytes: number; startTime?: string },
): Promise<Outcome> {
  try {
    // An Apple Health export (export.zip / export.xml, often gigabytes) streams from disk: no size limit (providers/apple).
    const apple = await importAppleExportUpload({ store }, user, file, {
      filename: basename(file),
      onProgress: progressLine(process.stderr),
    });
    if (apple) {
      const reason = `Apple Health export: ${apple.samples.new} new samples (${apple.samples.duplicate} already stored), ${apple.days_recomputed} days recomputed`;
      return {
        file,
        status: apple.samples.new === 0 && apple.events === 0 ? 'skipped' : 'imported',
        activities: apple.workouts,
        reason,
      };
    }
    const size = statSync(file).size;
    if (size > options.maxBytes)
      return {
        file,
        status: 'rejected',
        reason: `the file is ${formatBytes(size)}, over the limit of ${formatBytes(options.maxBytes)} (TRIBUTARY_MAX_UPLOAD_BYTES)`,
      };
    const result = await importWorkoutUpload(store, user, readFileSync(file), {
      filename: basename(file),
      maxBytes: options.maxBytes,
      startTime: options.startTime,
    });
    const activities = result.summaryIds.length;
    const rejectedEntries = result.rejected.map((r) => `${r.name}: ${r.reason}`);
    const suffix = rejectedEntries.length > 0 ? ` (zip entries skipped: ${rejectedEntries.join('; ')})` : '';
    if (result.parts.every((p) => p.duplicate))
      return { file, status: 'skipped', reason: `already imported${suffix}`, activities };
    return { file, status: 'imported', activities, ...(suffix ? { reason: suffix.trim() } : {}) };
  } catch (error) {
    if (isTributaryError(error))
      return { file, status: 'rejected', reason: error.message, unrecognized: error.code === 'unsupported_media_type' };
    return { file, status: 'rejected', reason: `could not read the file: ${(error as Error).message}` };
  }
}

/** A one-line progress bar on a terminal; on a pipe, nothing (the summary says it all). */
function progressBar(stream: NodeJS.WritableStream, total: number) {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  const width = 30;
  const draw = (done: number, label: string) => {
    if (!tty || total === 0) return;
    const filled = Math.round((done / total) * width);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${label}`.slice(
      0,
      ((stream as NodeJS.WriteStream).columns ?? 100) - 1,
    );
    stream.write(`\r\x1b[2K${line}`);
  };
  return {
    update: (done: number, label: string) => draw(done, label),
    done: (done: number) => {
      draw(done, 'done');
      if (tty && total > 0) stream.write('\n');
    },
  };
}

function writeSummary(out: NodeJS.WritableStream, outcomes: Outcome[], json: boolean): void {
  const count = (status: Outcome['status']) => outcomes.filter((o) => o.status === status);
  const imported = count('imported');
  const skipped = count('skipped');
  const rejected = count('rejected');
  if (json) {
    out.write(
      JSON.stringify({
        imported: imported.map((o) => ({ file: o.file, activities: o.activities })),
        skipped: skipped.map((o) => ({ file: o.file, reason: o.reason })),
        rejected: rejected.map((o) => ({ file: o.file, reason: o.reason })),
      }) + '\n',
    );
    return;
  }
  const activities = imported.reduce((n, o) => n + (o.activities ?? 0), 0);
  out.write(
    `Imported ${imported.length} file${imported.length === 1 ? '' : 's'} (${activities} activit${activities === 1 ? 'y' : 'ies'}), skipped ${skipped.length}, rejected ${rejected.length}.\n`,
  );
  for (const o of skipped) out.write(`  skipped   ${o.file}: ${o.reason}\n`);
  for (const o of rejected) out.write(`  rejected  ${o.file}: ${o.reason}\n`);
}
