import {
  CONTENT_TYPES,
  decodeWorkoutFile,
  type InflateBudget,
  type FileFormat,
  type RejectedPart,
  type WorkoutFormat,
} from '../formats/index.ts';
import type { RawRecord, Store, User } from '../store/store.ts';
import type { TerraRecord } from '../model/data-types.ts';
import { storeRecords } from './store-records.ts';

export interface UploadOptions {
  filename?: string;
  /** For formats without a start time of their own (iFit CSV), ISO 8601. */
  startTime?: string;
  maxBytes: number;
  /** Shared by every file of one request (see formats/budget.ts). */
  budget?: InflateBudget;
  reference?: string | null;
}

export interface ImportedPart {
  name: string;
  format: WorkoutFormat;
  summaryIds: string[];
  /** Every activity of this file was already stored, unchanged: nothing new was written or announced. */
  duplicate: boolean;
}

export interface UploadResult {
  format: FileFormat;
  summaryIds: string[];
  parts: ImportedPart[];
  rejected: RejectedPart[];
  /** Outbox events written (0 when everything was a duplicate). */
  events: number;
}

/**
 * Imports one uploaded file (or archive) for a user: decode (pure, may throw a 4xx
 * TributaryError before anything is written), then per workout file one `storeRecords`
 * transaction with its raw bytes verbatim. The raw row is keyed by the content hash and
 * activities by content-derived summary ids, so the same file twice changes nothing.
 */
export async function importWorkoutUpload(
  store: Store,
  user: User,
  bytes: Buffer,
  options: UploadOptions,
): Promise<UploadResult> {
  const decoded = await decodeWorkoutFile(bytes, {
    filename: options.filename,
    startTime: options.startTime,
    maxBytes: options.maxBytes,
    budget: options.budget,
  });
  const parts: ImportedPart[] = [];
  let events = 0;
  for (const part of decoded.parts) {
    const result = await storeRecords(store, {
      user,
      type: 'activity',
      raw: {
        provider: user.provider,
        dataType: 'activity',
        externalId: uploadExternalId(part.sha256, part.format === 'ifit_csv' ? options.startTime : undefined),
        contentType: CONTENT_TYPES[part.format],
        body: part.bytes,
      },
      records: part.activities,
      reference: options.reference ?? null,
    });
    if (result.eventId) events++;
    parts.push({
      name: part.name,
      format: part.format,
      summaryIds: result.keys,
      duplicate: result.changedKeys.length === 0,
    });
  }
  return {
    format: decoded.format,
    summaryIds: parts.flatMap((p) => p.summaryIds),
    parts,
    rejected: decoded.rejected,
    events,
  };
}

const FILE_PREFIX = 'file:';

/**
 * A stored workout file's external id: its content hash, plus the start time the uploader
 * gave when the format has none of its own (iFit CSV), so the file alone rebuilds its records.
 */
export function uploadExternalId(sha256: string, startTime?: string): string {
  return `${FILE_PREFIX}${sha256}${startTime ? `@${startTime}` : ''}`;
}

/** Whether a raw payload is an uploaded workout file (whatever provider its user connected). */
export function isUploadedFile(raw: Pick<RawRecord, 'externalId' | 'dataType'>): boolean {
  return raw.dataType === 'activity' && raw.externalId.startsWith(FILE_PREFIX);
}

/** Replay: decodes a stored workout file again (pure); throws when it no longer decodes. */
export async function renormalizeUploadedFile(raw: Pick<RawRecord, 'externalId' | 'body'>): Promise<TerraRecord[]> {
  const at = raw.externalId.indexOf('@');
  const startTime = at === -1 ? undefined : raw.externalId.slice(at + 1);
  const decoded = await decodeWorkoutFile(raw.body, { maxBytes: raw.body.length, startTime });
  return decoded.parts.flatMap((part) => part.activities);
}
