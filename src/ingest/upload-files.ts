import {
  CONTENT_TYPES,
  decodeWorkoutFile,
  type InflateBudget,
  type FileFormat,
  type RejectedPart,
  type WorkoutFormat,
} from '../formats/index.ts';
import type { Store, User } from '../store/store.ts';
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
        externalId: `file:${part.sha256}`,
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
