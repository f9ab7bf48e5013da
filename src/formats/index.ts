import { sha256Hex } from '../core/crypto.ts';
import type { TerraRecord } from '../model/data-types.ts';
import { InflateBudget, gunzipWithin } from './budget.ts';
import { badFile, fileTooLarge, unrecognizedFile } from './errors.ts';
import { decodeFit, isFit } from './fit.ts';
import { decodeGpx } from './gpx.ts';
import { decodeIfitCsv, isIfitCsv } from './ifit-csv.ts';
import { decodeTcx } from './tcx.ts';
import { isZip, readZip } from './zip.ts';
import { isTributaryError } from '../core/errors.ts';

export type WorkoutFormat = 'fit' | 'tcx' | 'gpx' | 'ifit_csv';
export type FileFormat = WorkoutFormat | 'zip' | 'gzip';

export const CONTENT_TYPES: Record<WorkoutFormat, string> = {
  fit: 'application/vnd.ant.fit',
  tcx: 'application/vnd.garmin.tcx+xml',
  gpx: 'application/gpx+xml',
  ifit_csv: 'text/csv',
};

/** One workout file (a zip entry, or the upload itself) and the activities in it. */
export interface DecodedPart {
  name: string;
  format: WorkoutFormat;
  bytes: Buffer;
  sha256: string;
  activities: TerraRecord[];
}

export interface RejectedPart {
  name: string;
  reason: string;
}

export interface DecodedUpload {
  format: FileFormat;
  parts: DecodedPart[];
  /** Entries of an archive that held no workout (each with the reason). */
  rejected: RejectedPart[];
}

export interface DecodeOptions {
  /** File name, used in messages and as a hint only: the format comes from the content. */
  filename?: string;
  /** Needed by formats without their own start time (iFit CSV), ISO 8601. */
  startTime?: string;
  /** Upper bound for the bytes of the upload as received. */
  maxBytes: number;
  /**
   * The decoded bytes the whole upload may expand to (every file, zip entry and gzip layer);
   * pass one budget to every file of one request. Default: a fresh budget of `maxBytes`.
   */
  budget?: InflateBudget;
}

type Decoding = DecodeOptions & { budget: InflateBudget };

/** The format of a file, from its content (the name is never trusted). */
export function detectFormat(bytes: Buffer): FileFormat | undefined {
  if (isFit(bytes)) return 'fit';
  if (isZip(bytes)) return 'zip';
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  const head = bytes
    .subarray(0, 4096)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (head.startsWith('<')) {
    if (/<([\w-]+:)?TrainingCenterDatabase[\s>]/.test(head)) return 'tcx';
    if (/<([\w-]+:)?gpx[\s>]/.test(head)) return 'gpx';
    return undefined;
  }
  if (isIfitCsv(head)) return 'ifit_csv';
  return undefined;
}

/**
 * Decodes an uploaded file into activities. A single file that is not a workout throws a
 * TributaryError (4xx) saying why; an archive keeps its good entries and lists the others.
 */
export async function decodeWorkoutFile(bytes: Buffer, decodeOptions: DecodeOptions): Promise<DecodedUpload> {
  const options: Decoding = {
    ...decodeOptions,
    budget: decodeOptions.budget ?? new InflateBudget(decodeOptions.maxBytes),
  };
  const name = options.filename ?? 'upload';
  if (bytes.length === 0) throw badFile('the file is empty');
  if (bytes.length > options.maxBytes) throw fileTooLarge(bytes.length, options.maxBytes);
  const format = detectFormat(bytes);
  if (format === 'zip') {
    const entries = await readZip(bytes, options.budget);
    const parts: DecodedPart[] = [];
    const rejected: RejectedPart[] = [...entries.rejected];
    for (const entry of entries.files) {
      try {
        parts.push(await decodeSingle(entry.bytes, entry.name, options, 'zip'));
      } catch (error) {
        // A spent budget ends the upload: its other entries must not inflate any further.
        if (!isTributaryError(error) || error.code === 'payload_too_large') throw error;
        rejected.push({ name: entry.name, reason: error.message });
      }
    }
    if (parts.length === 0) {
      const reasons = rejected.map((r) => `${r.name}: ${r.reason}`).join('; ');
      throw badFile(`the zip holds no workout file${reasons ? ` (${reasons})` : ''}`);
    }
    return { format, parts, rejected };
  }
  return { format: format ?? 'fit', parts: [await decodeSingle(bytes, name, options, 'top')], rejected: [] };
}

/** Where a file sits: the upload itself, an entry of its zip, or the content of a gzip. */
type Container = 'top' | 'zip' | 'gzip';

async function decodeSingle(bytes: Buffer, name: string, options: Decoding, inside: Container): Promise<DecodedPart> {
  if (bytes.length === 0) throw badFile('the file is empty');
  const format = detectFormat(bytes);
  if (format === 'gzip') {
    if (inside === 'gzip') throw badFile('a gzip inside a gzip is not read');
    // Inflated bytes are counted by the budget as they come out.
    const inflated = await gunzipWithin(bytes, options.budget);
    return decodeSingle(inflated, name.replace(/\.gz$/i, ''), options, 'gzip');
  }
  if (format === 'zip') throw badFile('a zip inside a zip (or a gzip) is not read');
  // A plain file at the top counts in full; zip entries were counted while inflating.
  if (inside === 'top') options.budget.take(bytes.length);
  if (format === undefined) {
    throw unrecognizedFile(
      'not a workout file: the content is not FIT, TCX, GPX or an iFit CSV export (nor a zip or gzip of these)',
    );
  }
  const activities = decodeAs(format, bytes, options);
  return { name, format, bytes, sha256: sha256Hex(bytes), activities };
}

function decodeAs(format: WorkoutFormat, bytes: Buffer, options: DecodeOptions): TerraRecord[] {
  switch (format) {
    case 'fit':
      return decodeFit(bytes);
    case 'tcx':
      return decodeTcx(bytes);
    case 'gpx':
      return decodeGpx(bytes);
    case 'ifit_csv':
      return decodeIfitCsv(bytes, options.startTime);
  }
}

export { decodeFit, decodeGpx, decodeIfitCsv, decodeTcx };
export { InflateBudget } from './budget.ts';
