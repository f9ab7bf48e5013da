import type { Logger } from '../core/logger.ts';
import { DATA_TYPES, naturalKey, recordWindow, type DataType, type TerraRecord } from '../model/data-types.ts';
import type { ProviderDefinition, StoredRaw } from '../providers/provider.ts';
import { PROVIDER_DEFINITIONS } from '../providers/registry.ts';
import type { RawRecord, Store, User } from '../store/store.ts';
import { appleReplay } from './apple/replay.ts';
import { storeRecords, TOMBSTONE_CONTENT_TYPE } from './store-records.ts';
import { isUploadedFile, renormalizeUploadedFile } from './upload-files.ts';

const PAGE = 100;
const USERS_PAGE = 500;
/** Failures listed in the report (all are counted and logged). */
const LISTED_FAILURES = 20;

export interface ReplayOptions {
  /** One user (any developer); default every user. */
  userId?: string;
  /** Terra provider name (any case); default every provider. */
  provider?: string;
  type?: DataType;
  /** Records whose start falls in [fromMs, toMs); athletes (no time) only without a range. */
  fromMs?: number;
  toMs?: number;
  /** Count what would change; write nothing, emit nothing. */
  dryRun?: boolean;
  logger?: Logger;
  /** Which providers' normalizers to use (tests); default every provider Tributary knows. */
  definitions?: readonly ProviderDefinition[];
}

export interface ReplayReport {
  dryRun: boolean;
  users: number;
  /** Stored payloads (and Apple day/night buckets) normalized again. */
  payloads: number;
  /** Records whose normalized form differs from the stored one (new ones included). */
  changed: number;
  unchanged: number;
  /** Payloads today's normalizers cannot read (kept raw, logged). */
  failed: number;
  /** Payloads that are not normalized on their own (related documents, deletion marks, old files without their start time). */
  skipped: number;
  /** Outbox events written (0 on a dry run). */
  events: number;
  byType: Partial<Record<DataType, { changed: number; unchanged: number }>>;
  failures: { userId: string; rawId: string | null; externalId: string | null; error: string }[];
}

/** Thrown when `--user` names no user. */
export class UnknownUserError extends Error {
  override name = 'UnknownUserError';
}

/**
 * Replay from raw: normalizing is a pure function of stored raw data, so records can be
 * rebuilt with today's normalizers. For each user, the newest stored version of every
 * payload is normalized again (the provider's `rawNormalizer`; uploaded workout files by the
 * file decoders; Apple Health from its sample table) and stored through `storeRecords`:
 * records that did not change are left alone and announce nothing, changed ones go out in
 * one event per payload. A payload the provider deleted (a tombstone is its newest version)
 * is not brought back; replay never deletes records.
 */
export async function replay(store: Store, options: ReplayOptions = {}): Promise<ReplayReport> {
  const report: ReplayReport = {
    dryRun: options.dryRun ?? false,
    users: 0,
    payloads: 0,
    changed: 0,
    unchanged: 0,
    failed: 0,
    skipped: 0,
    events: 0,
    byType: {},
    failures: [],
  };
  const definitions = options.definitions ?? PROVIDER_DEFINITIONS;
  for await (const user of users(store, options)) {
    report.users++;
    await replayUser(store, user, definitions, options, report);
  }
  return report;
}

async function* users(store: Store, options: ReplayOptions): AsyncIterable<User> {
  const provider = options.provider?.toUpperCase();
  const wanted = (user: User) => provider === undefined || user.provider === provider;
  const developers = await store.developers.list();
  if (options.userId !== undefined) {
    for (const developer of developers) {
      const user = await store.users.get(developer.devId, options.userId);
      if (user) {
        if (wanted(user)) yield user;
        return;
      }
    }
    throw new UnknownUserError(`no user ${options.userId}`);
  }
  for (const developer of developers) {
    for (let page = 0; ; page++) {
      const { users: list } = await store.users.list(developer.devId, { page, perPage: USERS_PAGE });
      for (const user of list) if (wanted(user)) yield user;
      if (list.length < USERS_PAGE) break;
    }
  }
}

async function replayUser(
  store: Store,
  user: User,
  definitions: readonly ProviderDefinition[],
  options: ReplayOptions,
  report: ReplayReport,
): Promise<void> {
  const normalizer = definitions.find((d) => d.capabilities.name === user.provider)?.rawNormalizer;
  const related = (provider: string) => async (externalId: string) => {
    const versions = await store.raw.list(user.devId, user.userId, { provider, externalId });
    return versions.at(-1);
  };
  let afterRawId: string | undefined;
  for (;;) {
    const page = await store.raw.latest(user.devId, user.userId, {
      dataTypes: options.type ? [options.type] : undefined,
      afterRawId,
      limit: PAGE,
    });
    for (const raw of page) {
      let records: TerraRecord[] | undefined;
      try {
        records = await normalizeRaw(raw, normalizer, related(raw.provider));
      } catch (error) {
        failed(report, options, user, raw, error);
        continue;
      }
      if (records === undefined) {
        report.skipped++;
        continue;
      }
      report.payloads++;
      await apply(store, user, raw.dataType as DataType, records, raw.rawId, options, report, raw);
    }
    if (page.length < PAGE) break;
    afterRawId = page.at(-1)!.rawId;
  }
  const wants = (type: DataType) => options.type === undefined || options.type === type;
  for await (const group of appleReplay(store, user, { wants, fromMs: options.fromMs, toMs: options.toMs })) {
    report.payloads++;
    await apply(store, user, group.type, group.records, undefined, options, report, null);
  }
}

/** The records a stored payload makes today; undefined when it is not normalized on its own. */
async function normalizeRaw(
  raw: RawRecord,
  normalizer: ProviderDefinition['rawNormalizer'],
  related: (externalId: string) => Promise<StoredRaw | undefined>,
): Promise<TerraRecord[] | undefined> {
  if (raw.contentType === TOMBSTONE_CONTENT_TYPE) return undefined;
  if (isUploadedFile(raw)) {
    // An iFit CSV stored before its start time was kept beside it cannot be decoded alone.
    if (raw.contentType.startsWith('text/csv') && !raw.externalId.includes('@')) return undefined;
    return renormalizeUploadedFile(raw);
  }
  if (!normalizer || !(DATA_TYPES as readonly string[]).includes(raw.dataType)) return undefined;
  if (!normalizer.dataTypes.includes(raw.dataType as DataType)) return undefined;
  return normalizer.normalize(raw, related);
}

async function apply(
  store: Store,
  user: User,
  type: DataType,
  all: TerraRecord[],
  rawId: string | undefined,
  options: ReplayOptions,
  report: ReplayReport,
  raw: RawRecord | null,
): Promise<void> {
  const records = all.filter((record) => inRange(type, record, options));
  if (records.length === 0) return;
  const counts = (report.byType[type] ??= { changed: 0, unchanged: 0 });
  let changed = 0;
  try {
    if (options.dryRun) {
      for (const record of records) {
        const key = naturalKey(type, record);
        const stored = key === undefined ? undefined : await store.records.get(user.devId, user.userId, type, key);
        if (key === undefined) throw new Error(`a ${type} record without its natural key`);
        if (!stored || JSON.stringify(stored) !== JSON.stringify(record)) changed++;
      }
    } else {
      const result = await storeRecords(store, { user, type, records, rawId });
      changed = result.changedKeys.length;
      if (result.eventId) report.events++;
    }
  } catch (error) {
    failed(report, options, user, raw, error);
    return;
  }
  report.changed += changed;
  report.unchanged += records.length - changed;
  counts.changed += changed;
  counts.unchanged += records.length - changed;
}

function inRange(type: DataType, record: TerraRecord, options: ReplayOptions): boolean {
  if (options.fromMs === undefined && options.toMs === undefined) return true;
  const start = Date.parse(recordWindow(type, record).start ?? '');
  if (!Number.isFinite(start)) return false;
  return (
    (options.fromMs === undefined || start >= options.fromMs) && (options.toMs === undefined || start < options.toMs)
  );
}

function failed(report: ReplayReport, options: ReplayOptions, user: User, raw: RawRecord | null, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  report.failed++;
  if (report.failures.length < LISTED_FAILURES)
    report.failures.push({
      userId: user.userId,
      rawId: raw?.rawId ?? null,
      externalId: raw?.externalId ?? null,
      error: message,
    });
  options.logger?.warn('replay: payload not normalized', {
    devId: user.devId,
    userId: user.userId,
    rawId: raw?.rawId,
    externalId: raw?.externalId,
    error: message,
  });
}
