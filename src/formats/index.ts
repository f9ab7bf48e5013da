import { gunzipSync } from 'node:zlib';
import { sha256Hex } from '../core/crypto.ts';
import type { TerraRecord } from '../model/data-types.ts';
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
  /** Upper bound for the bytes of any one (decompressed) file. */
  maxBytes: number;
}

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
export async function decodeWorkoutFile(bytes: Buffer, options: DecodeOptions): Promise<DecodedUpload> {
  const name = options.filename ?? 'upload';
  if (bytes.length === 0) throw badFile('the file is empty');
  if (bytes.length > options.maxBytes) throw fileTooLarge(bytes.length, options.maxBytes);
  const format = detectFormat(bytes);
  if (format === 'zip') {
    const entries = await readZip(bytes, options.maxBytes);
    const parts: DecodedPart[] = [];
    const rejected: RejectedPart[] = [...entries.rejected];
    for (const entry of entries.files) {
      try {
        parts.push(...(await decodeSingle(entry.bytes, entry.name, options, false)));
      } catch (error) {
        if (!isTributaryError(error)) throw error;
        rejected.push({ name: entry.name, reason: error.message });
      }
    }
    if (parts.length === 0) {
      const reasons = rejected.map((r) => `${r.name}: ${r.reason}`).join('; ');
      throw badFile(`the zip holds no workout file${reasons ? ` (${reasons})` : ''}`);
    }
    return { format, parts, rejected };
  }
  return { format: format ?? 'fit', parts: await decodeSingle(bytes, name, options, true), rejected: [] };
}

async function decodeSingle(bytes: Buffer, name: string, options: DecodeOptions, top: boolean): Promise<DecodedPart[]> {
  if (bytes.length === 0) throw badFile('the file is empty');
  const format = detectFormat(bytes);
  if (format === 'gzip') {
    let inflated: Buffer;
    try {
      inflated = gunzipSync(bytes, { maxOutputLength: options.maxBytes });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || /buffer/i.test(String((error as Error).message)))
        throw fileTooLarge(options.maxBytes + 1, options.maxBytes);
      throw badFile(`the gzip file is corrupted: ${(error as Error).message}`);
    }
    return decodeSingle(inflated, name.replace(/\.gz$/i, ''), options, top);
  }
  if (format === 'zip') {
    if (top) throw new Error('unreachable: zip handled by the caller');
    throw badFile('a zip inside a zip is not read');
  }
  if (format === undefined) {
    throw unrecognizedFile(
      'not a workout file: the content is not FIT, TCX, GPX or an iFit CSV export (nor a zip or gzip of these)',
    );
  }
  const activities = decodeAs(format, bytes, options);
  return [{ name, format, bytes, sha256: sha256Hex(bytes), activities }];
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
