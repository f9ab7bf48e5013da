import { isTributaryError } from '../../core/errors.ts';
import type { PolledItem, Polling, WithAccess } from '../provider.ts';
import type { OuraClient } from './oura-client.ts';
import {
  normalizeAthlete,
  normalizeDaily,
  normalizeSleep,
  normalizeWorkout,
  type OuraDayBundle,
  type OuraDocument,
} from './oura-normalize.ts';

const DAY_MS = 86_400_000;
/** Bounds one collection read: Oura pages with `next_token`; a server that never stops is cut off. */
const MAX_PAGES = 200;
const DAILY_COLLECTIONS = ['daily_activity', 'daily_sleep', 'daily_readiness', 'daily_spo2', 'daily_stress'] as const;

/**
 * Polling Oura: each window re-reads its days (Oura updates documents in place, e.g. a
 * sleep gets its score when the user opens the app); the store drops unchanged records, so
 * a re-read emits nothing. Each item's raw body is what `oura-normalize.ts` reads, so
 * replay can rebuild the records from it alone: one document for sleep, workout and
 * personal info, and for `daily` the day's documents bundled (`OuraDayBundle`).
 * A collection the user did not grant (Oura answers 403) is skipped.
 */
export function ouraPolling(client: OuraClient, settings: { intervalMs: number; backfillDays: number }): Polling {
  return {
    ...settings,
    async *fetch(withAccess: WithAccess, window): AsyncIterable<PolledItem> {
      const untilMs = window.untilMs ?? Date.now();
      // Oura's days are local: widen by a day on each side, the store keeps one record per key.
      const startDate = isoDate(window.sinceMs - DAY_MS);
      const endDate = isoDate(untilMs + DAY_MS);
      const dates = { start_date: startDate, end_date: endDate };
      const list = (collection: string, query: Record<string, string>) =>
        listAll(client, withAccess, collection, query);

      const info = await optional(() => withAccess((tokens) => client.get(tokens.accessToken, PERSONAL_INFO)));
      if (info && info.value && typeof info.value === 'object') {
        // startMs = the window start: personal info must not advance the cursor past unfetched data.
        yield item('athlete', 'personal_info', window.sinceMs, info.text, normalizeAthlete(info.value as OuraDocument));
      }

      const items: PolledItem[] = [];
      for (const doc of await list('sleep', dates)) {
        const start = Date.parse(String(doc.bedtime_start));
        if (inWindow(start, window.sinceMs, untilMs))
          items.push(item('sleep', `sleep:${String(doc.id)}`, start, JSON.stringify(doc), normalizeSleep(doc)));
      }
      for (const doc of await list('workout', dates)) {
        const start = Date.parse(String(doc.start_datetime));
        if (inWindow(start, window.sinceMs, untilMs))
          items.push(item('activity', `workout:${String(doc.id)}`, start, JSON.stringify(doc), normalizeWorkout(doc)));
      }
      const days = new Map<string, OuraDayBundle>();
      const dayOf = (day: string) => days.get(day) ?? days.set(day, { day }).get(day)!;
      for (const collection of DAILY_COLLECTIONS) {
        for (const doc of await list(collection, dates))
          if (typeof doc.day === 'string') dayOf(doc.day)[collection] = doc;
      }
      // Whole days only: a day's bundle must not change because a window cut its heart rate short.
      const heartrate = await list('heartrate', {
        start_datetime: `${isoDate(Math.max(window.sinceMs, untilMs - 30 * DAY_MS) - DAY_MS)}T00:00:00Z`,
        end_datetime: new Date(untilMs).toISOString(),
      });
      for (const row of heartrate) {
        if (typeof row.timestamp !== 'string' || !Number.isFinite(Date.parse(row.timestamp))) continue;
        // The row's own calendar date (its offset's), which is Oura's day for heart rate.
        (dayOf(row.timestamp.slice(0, 10)).heartrate ??= []).push(row);
      }
      for (const bundle of days.values()) {
        const start = Date.parse(`${bundle.day}T00:00:00Z`);
        if (!Number.isFinite(start) || !inWindow(start + DAY_MS, window.sinceMs, untilMs + DAY_MS)) continue;
        items.push(item('daily', `daily:${bundle.day}`, start, JSON.stringify(bundle), normalizeDaily(bundle)));
      }
      // Oldest first: ingest advances its cursor item by item.
      items.sort((a, b) => a.startMs - b.startMs);
      yield* items;
    },
  };
}

export const PERSONAL_INFO = '/v2/usercollection/personal_info';

function item(
  type: PolledItem['type'],
  externalId: string,
  startMs: number,
  body: string,
  record: ReturnType<typeof normalizeSleep>,
): PolledItem {
  return {
    type,
    startMs,
    raw: { externalId, contentType: 'application/json', body },
    // A document Oura sent that does not normalize (deleted period, malformed) is kept raw, with no record.
    records: record ? [record] : [],
  };
}

/** Every document of a collection in the window, following `next_token`. */
async function listAll(
  client: OuraClient,
  withAccess: WithAccess,
  collection: string,
  query: Record<string, string>,
): Promise<OuraDocument[]> {
  const out: OuraDocument[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const params = nextToken ? { ...query, next_token: nextToken } : query;
    const answer = await optional(() =>
      withAccess((tokens) => client.get(tokens.accessToken, `/v2/usercollection/${collection}`, params)),
    );
    if (!answer) return out;
    const body = answer.value as { data?: unknown; next_token?: unknown };
    if (Array.isArray(body?.data))
      for (const doc of body.data) if (doc && typeof doc === 'object') out.push(doc as OuraDocument);
    nextToken = typeof body?.next_token === 'string' && body.next_token ? body.next_token : undefined;
    if (!nextToken) break;
  }
  return out;
}

/** A collection the user did not grant (403) reads as empty; every other failure propagates. */
async function optional<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isTributaryError(error) && error.code === 'provider_error' && error.details.status === 403) return undefined;
    throw error;
  }
}

function inWindow(ms: number, sinceMs: number, untilMs: number): boolean {
  return Number.isFinite(ms) && ms > sinceMs && ms < untilMs;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
