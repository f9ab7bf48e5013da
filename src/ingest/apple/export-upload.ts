import { Readable } from 'node:stream';
import { TributaryError } from '../../core/errors.ts';
import type { Signal } from '../../core/signal.ts';
import type { Store, User } from '../../store/index.ts';
import {
  importAppleExport,
  looksLikeAppleHealthXml,
  type ImportProgress,
  type ImportSummary,
} from './export-import.ts';
import { isAppleHealthZip } from '../../providers/apple/index.ts';

/** Users an export may be imported for: Apple Health users and generic upload users. */
const EXPORT_PROVIDERS = new Set(['APPLE', 'UPLOAD']);

/**
 * True when `bytes` (a whole upload) is an Apple Health export, by content: an export.xml
 * whose root element is `<HealthData>`, bare or in a zip (at its root or in any folder).
 */
export async function isAppleHealthExportBuffer(bytes: Buffer): Promise<boolean> {
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50) return isAppleHealthZip(bytes);
  return looksLikeAppleHealthXml(bytes.subarray(0, 256 * 1024));
}

/** True when the file at `path` is an Apple Health export (for `tributary import`). */
export async function isAppleHealthExportFile(path: string): Promise<boolean> {
  const { open } = await import('node:fs/promises');
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(256 * 1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const start = head.subarray(0, bytesRead);
    if (start.length >= 4 && start.readUInt32LE(0) === 0x04034b50) return isAppleHealthZip(path);
    return looksLikeAppleHealthXml(start);
  } finally {
    await handle.close();
  }
}

export interface ExportUploadResponse {
  type: 'apple_health_export';
  user_id: string;
  format: 'zip' | 'xml';
  bytes: number;
  samples: { new: number; duplicate: number };
  records_changed: ImportSummary['changed'];
  days_recomputed: number;
  workouts: number;
  routes: ImportSummary['routes'];
  skipped: { other_types: number; invalid: number };
  events: number;
}

/**
 * The upload hook (`POST /v2/files`, the hosted upload page, `tributary import`): when the
 * upload is an Apple Health export, imports it and returns the response body; otherwise
 * undefined (the workout-file path handles it).
 */
export async function importAppleExportUpload(
  deps: { store: Store; eventsCommitted?: Signal },
  user: User,
  source: Buffer | string,
  options: { filename?: string; onProgress?: (progress: ImportProgress) => void } = {},
): Promise<ExportUploadResponse | undefined> {
  const isExport =
    typeof source === 'string' ? await isAppleHealthExportFile(source) : await isAppleHealthExportBuffer(source);
  if (!isExport) return undefined;
  if (!EXPORT_PROVIDERS.has(user.provider.toUpperCase())) {
    throw new TributaryError(
      'bad_request',
      `an Apple Health export can be imported for an APPLE or UPLOAD user; user ${user.userId} is a ${user.provider} user`,
      { parameter: 'user_id' },
    );
  }
  const input = typeof source === 'string' ? source : Readable.from([source]);
  const summary = await importAppleExport(deps, user, input, {
    filename: options.filename,
    onProgress: options.onProgress,
    totalBytes: typeof source === 'string' ? undefined : source.length,
  });
  return {
    type: 'apple_health_export',
    user_id: user.userId,
    format: summary.format,
    bytes: summary.bytes,
    samples: { new: summary.samplesNew, duplicate: summary.samplesDuplicate },
    records_changed: summary.changed,
    days_recomputed: summary.daysRecomputed,
    workouts: summary.counts.workouts,
    routes: summary.routes,
    skipped: { other_types: summary.counts.otherTypes, invalid: summary.counts.invalid },
    events: summary.events,
  };
}

/** An `onProgress` that keeps one status line up to date on a terminal (for `tributary import`). */
export function progressLine(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
): ((progress: ImportProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase !== 'done' && now - last < 250) return;
    last = now;
    const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
    const reading = p.totalBytes
      ? `${Math.floor((100 * p.bytesRead) / p.totalBytes)}% (${mb(p.bytesRead)} of ${mb(p.totalBytes)})`
      : mb(p.bytesRead);
    const text =
      p.phase === 'reading'
        ? `Apple Health export: reading ${reading}, ${p.samples.toLocaleString('en-US')} samples, ${p.workouts} workouts`
        : `Apple Health export: ${p.phase === 'done' ? 'done' : 'computing days'} ${p.days}/${p.daysTotal}`;
    stream.write(`\r\u001b[2K${text}${p.phase === 'done' ? '\n' : ''}`);
  };
}
