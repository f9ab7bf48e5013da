import type { DataType, TerraRecord } from '../../model/data-types.ts';
import type { MergedItem } from '../provider.ts';
import {
  localDate,
  mctDay,
  normalizeActivity,
  normalizeBody,
  normalizeDay,
  normalizeMenstruation,
  normalizeSleep,
  type GarminActivityBundle,
  type GarminBodyBundle,
  type GarminDayBundle,
  type GarminSummary,
} from './garmin-normalize.ts';

/**
 * Where each Garmin summary goes: Garmin sends one summary per notification item, while a
 * Terra record may be built from several (a day from its dailies, epochs, stress details,
 * pulse ox, user metrics and HRV; an activity from its summary and its details). Each
 * Terra record has one raw payload, a bundle (`daily:<date>`, `activity:<id>`,
 * `body:<date>`) or the summary itself (`sleep:<id>`, `menstruation:<date>`), and each
 * summary is merged into it. Merging keeps the newest version of every part: Garmin
 * updates a summary in place with the same start and a duration at least as long
 * (Health API §5), so a part whose duration is shorter than the stored one is an older
 * version arriving late; an `mct` summary is newer when its `lastUpdatedTimeInSeconds`
 * is. A part identical to the stored one changes nothing.
 */

/** The summary types (notification list keys) Tributary maps; others stay in the stored notification only. */
export const MAPPED_SUMMARY_TYPES = [
  'dailies',
  'epochs',
  'stressDetails',
  'pulseox',
  'allDayRespiration',
  'userMetrics',
  'hrv',
  'sleeps',
  'activities',
  'manuallyUpdatedActivities',
  'activityDetails',
  'bodyComps',
  'bloodPressures',
  'mct',
] as const;

const DAY_SLOTS = new Set(['dailies', 'stressDetails', 'userMetrics', 'hrv']);
const DAY_MAPS = new Set(['epochs', 'pulseox', 'allDayRespiration']);
const JSON_TYPE = 'application/json';

/** The merge item for one summary; undefined when the type is not mapped or the summary cannot be placed. */
export function mergeItemOf(summaryType: string, raw: GarminSummary): MergedItem | undefined {
  const summary = clean(raw);
  if (DAY_SLOTS.has(summaryType) || DAY_MAPS.has(summaryType)) {
    const day = dayOf(summary);
    if (!day) return undefined;
    const slotKey = summaryType === 'epochs' ? epochKey(summary) : str(summary.summaryId);
    if (DAY_MAPS.has(summaryType) && !slotKey) return undefined;
    return bundleItem<GarminDayBundle>('daily', `daily:${day}`, { calendarDate: day }, normalizeDay, (bundle) =>
      DAY_SLOTS.has(summaryType)
        ? slot(bundle, summaryType as keyof GarminDayBundle, summary)
        : mapSlot(bundle, summaryType as keyof GarminDayBundle, slotKey!, summary),
    );
  }
  if (summaryType === 'sleeps') {
    const id = str(summary.summaryId);
    if (!id) return undefined;
    return wholeItem('sleep', `sleep:${id}`, summary, normalizeSleep);
  }
  if (
    summaryType === 'activities' ||
    summaryType === 'manuallyUpdatedActivities' ||
    summaryType === 'activityDetails'
  ) {
    const id = activityId(summary, summaryType === 'activityDetails');
    if (!id) return undefined;
    const part = summaryType === 'activityDetails' ? 'details' : 'activity';
    return bundleItem<GarminActivityBundle>('activity', `activity:${id}`, { id }, normalizeActivity, (bundle) =>
      slot(bundle, part, summary),
    );
  }
  if (summaryType === 'bodyComps' || summaryType === 'bloodPressures') {
    const at = num(summary.measurementTimeInSeconds);
    const id = str(summary.summaryId);
    if (at === undefined || !id) return undefined;
    const date = localDate(at, num(summary.measurementTimeOffsetInSeconds) ?? 0);
    return bundleItem<GarminBodyBundle>('body', `body:${date}`, { date }, normalizeBody, (bundle) =>
      mapSlot(bundle, summaryType, id, summary),
    );
  }
  if (summaryType === 'mct') {
    const day = mctDay(summary);
    if (!day) return undefined;
    return wholeItem('menstruation', `menstruation:${day}`, summary, normalizeMenstruation);
  }
  return undefined;
}

/** The Terra record key of an activity: Garmin's activity id (details are `<id>-detail`). */
function activityId(summary: GarminSummary, details: boolean): string | undefined {
  const id = summary.activityId;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  if (typeof id === 'string' && id) return id;
  const inner = details ? (summary.summary as GarminSummary | undefined)?.activityId : undefined;
  if (typeof inner === 'number' || (typeof inner === 'string' && inner)) return String(inner);
  const summaryId = str(summary.summaryId);
  return summaryId ? summaryId.replace(/-detail$/, '') : undefined;
}

/** A once-per-day summary's `calendarDate`; otherwise the local date of its start. */
function dayOf(summary: GarminSummary): string | undefined {
  const date = str(summary.calendarDate);
  if (date && /^\d{4}-\d{2}-\d{2}$/.test(date)) return date;
  const start = num(summary.startTimeInSeconds);
  if (start === undefined) return undefined;
  return localDate(start, num(summary.startTimeOffsetInSeconds) ?? 0);
}

/** Epochs are replaced by start time and activity type (Health API §7.2). */
function epochKey(summary: GarminSummary): string | undefined {
  const start = num(summary.startTimeInSeconds);
  if (start === undefined) return undefined;
  return `${start}:${str(summary.activityType) ?? 'GENERIC'}`;
}

/** Whether `incoming` should replace `stored` (see the module comment). */
export function supersedes(incoming: GarminSummary, stored: GarminSummary | undefined): boolean {
  if (!stored) return true;
  if (canonical(incoming) === canonical(stored)) return false;
  const newUpdate = num(incoming.lastUpdatedTimeInSeconds);
  const oldUpdate = num(stored.lastUpdatedTimeInSeconds);
  if (newUpdate !== undefined && oldUpdate !== undefined) return newUpdate >= oldUpdate;
  const newDuration = num(incoming.durationInSeconds);
  const oldDuration = num(stored.durationInSeconds);
  if (newDuration !== undefined && oldDuration !== undefined && newDuration < oldDuration) return false;
  return true;
}

type Changed<B> = (bundle: B) => B | undefined;

function bundleItem<B extends object>(
  type: DataType,
  externalId: string,
  empty: B,
  normalize: (bundle: B) => TerraRecord | undefined,
  change: Changed<B>,
): MergedItem {
  return {
    type,
    externalId,
    contentType: JSON_TYPE,
    merge(previous) {
      const stored = parseObject(previous) as B | undefined;
      const next = change(stored ?? empty);
      if (!next) return undefined;
      const record = normalize(next);
      return { body: canonical(next), records: record ? [record] : [] };
    },
  };
}

function wholeItem(
  type: DataType,
  externalId: string,
  summary: GarminSummary,
  normalize: (summary: GarminSummary) => TerraRecord | undefined,
): MergedItem {
  return {
    type,
    externalId,
    contentType: JSON_TYPE,
    merge(previous) {
      if (!supersedes(summary, parseObject(previous))) return undefined;
      const record = normalize(summary);
      return { body: canonical(summary), records: record ? [record] : [] };
    },
  };
}

function slot<B extends object>(bundle: B, key: keyof B, summary: GarminSummary): B | undefined {
  const stored = bundle[key] as GarminSummary | undefined;
  if (!supersedes(summary, stored)) return undefined;
  return { ...bundle, [key]: summary };
}

function mapSlot<B extends object>(bundle: B, key: keyof B, id: string, summary: GarminSummary): B | undefined {
  const map = (bundle[key] ?? {}) as Record<string, GarminSummary>;
  if (!supersedes(summary, map[id])) return undefined;
  return { ...bundle, [key]: { ...map, [id]: summary } };
}

/** The summary as stored: without the notification's routing fields (`userId`, the legacy `userAccessToken`). */
function clean(summary: GarminSummary): GarminSummary {
  const { userId: _userId, userAccessToken: _token, ...rest } = summary;
  return rest;
}

/** JSON with object keys sorted: the same content gives the same bytes whatever the arrival order. */
export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  return value;
}

function parseObject(body: Buffer | undefined): Record<string, unknown> | undefined {
  if (!body) return undefined;
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
