import { createHash } from 'node:crypto';
import { isTributaryError } from '../../core/errors.ts';
import type { TerraRecord } from '../../model/data-types.ts';
import type { PolledItem, Polling, WithAccess } from '../provider.ts';
import type { WhoopClient } from './whoop-client.ts';
import {
  normalizeBody,
  normalizeCycle,
  normalizeProfile,
  normalizeSleep,
  normalizeWorkout,
  type WhoopBodyObservation,
  type WhoopCycleBundle,
  type WhoopDocument,
} from './whoop-normalize.ts';

const DAY_MS = 86_400_000;
/** WHOOP's largest page (`limit` ≤ 25). */
const PAGE_SIZE = 25;
/** Bounds one collection read: WHOOP pages with `nextToken`; a server that never stops is cut off. */
const MAX_PAGES = 200;

export const PROFILE_PATH = '/v2/user/profile/basic';
export const BODY_PATH = '/v2/user/measurement/body';

/**
 * Polling WHOOP (the reconciliation behind its webhooks, and the only source of cycle
 * strain, which WHOOP does not notify): each window re-reads cycles, recoveries, sleeps and
 * workouts (`start`/`end`, `nextToken`); the store drops unchanged records, so a re-read
 * emits nothing. Raw bodies are exactly what `whoop-normalize.ts` reads, so replay can
 * rebuild the records: one document per sleep (`sleep:<id>`) and workout (`workout:<id>`),
 * a cycle with its recovery (`cycle:<id>`), the profile (`profile`), and a body measurement
 * with the day it was first seen (`body_measurement:<hash>`, stored once per distinct value).
 * A collection the user did not grant (403) is skipped.
 */
export function whoopPolling(client: WhoopClient, settings: { intervalMs: number; backfillDays: number }): Polling {
  return {
    ...settings,
    async *fetch(withAccess: WithAccess, window): AsyncIterable<PolledItem> {
      const untilMs = window.untilMs ?? Date.now();
      const get = (path: string) => optional(() => withAccess((tokens) => client.get(tokens.accessToken, path)));

      const profile = await get(PROFILE_PATH);
      if (isObject(profile?.value))
        // startMs = the window start: the profile must not advance the cursor past unfetched data.
        yield item('athlete', 'profile', window.sinceMs, profile.text, normalizeProfile(profile.value));

      const body = await get(BODY_PATH);
      if (isObject(body?.value)) {
        const externalId = bodyExternalId(body.value);
        if (!(await window.known?.(externalId))) {
          const observation: WhoopBodyObservation = { day: isoDate(Date.now()), measurement: body.value };
          yield item('body', externalId, window.sinceMs, JSON.stringify(observation), normalizeBody(observation));
        }
      }

      const items: PolledItem[] = [];
      // A cycle or recovery that began the day before the window may still cover part of it.
      const range = { start: new Date(window.sinceMs - DAY_MS).toISOString(), end: new Date(untilMs).toISOString() };
      const list = (path: string, query: { start: string; end: string }) => listAll(client, withAccess, path, query);
      const recoveries = new Map<string, WhoopDocument>();
      for (const doc of await list('/v2/recovery', range))
        if (doc.cycle_id !== undefined) recoveries.set(String(doc.cycle_id), doc);
      for (const cycle of await list('/v2/cycle', range)) {
        const start = Date.parse(String(cycle.start));
        if (!Number.isFinite(start) || start >= untilMs) continue;
        const bundle = cycleBundle(cycle, recoveries.get(String(cycle.id)));
        items.push(item('daily', `cycle:${String(cycle.id)}`, start, JSON.stringify(bundle), normalizeCycle(bundle)));
      }
      const activityRange = { start: new Date(window.sinceMs).toISOString(), end: range.end };
      for (const doc of await list('/v2/activity/sleep', activityRange)) {
        const start = Date.parse(String(doc.start));
        if (inWindow(start, window.sinceMs, untilMs))
          items.push(item('sleep', `sleep:${String(doc.id)}`, start, JSON.stringify(doc), normalizeSleep(doc)));
      }
      for (const doc of await list('/v2/activity/workout', activityRange)) {
        const start = Date.parse(String(doc.start));
        if (inWindow(start, window.sinceMs, untilMs))
          items.push(item('activity', `workout:${String(doc.id)}`, start, JSON.stringify(doc), normalizeWorkout(doc)));
      }
      // Oldest first: ingest advances its cursor item by item.
      items.sort((a, b) => a.startMs - b.startMs);
      yield* items;
    },
  };
}

/** The raw Daily payload: the cycle, and its recovery when WHOOP has one. */
export function cycleBundle(cycle: WhoopDocument, recovery: WhoopDocument | undefined): WhoopCycleBundle {
  return recovery ? { cycle, recovery } : { cycle };
}

/** One raw row per distinct body measurement: its external id names the values. */
export function bodyExternalId(measurement: WhoopDocument): string {
  const canonical = JSON.stringify(
    Object.keys(measurement)
      .sort()
      .map((key) => [key, measurement[key]]),
  );
  return `body_measurement:${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

export function item(
  type: PolledItem['type'],
  externalId: string,
  startMs: number,
  body: string,
  record: TerraRecord | undefined,
): PolledItem {
  return {
    type,
    startMs,
    raw: { externalId, contentType: 'application/json', body },
    // A document WHOOP sent that does not normalize (malformed, unscorable) is kept raw, with no record.
    records: record ? [record] : [],
  };
}

/** Every record of a collection in the range, following `next_token` (sent back as `nextToken`). */
async function listAll(
  client: WhoopClient,
  withAccess: WithAccess,
  path: string,
  range: { start: string; end: string },
): Promise<WhoopDocument[]> {
  const out: WhoopDocument[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query: Record<string, string> = { ...range, limit: String(PAGE_SIZE) };
    if (nextToken) query.nextToken = nextToken;
    const answer = await optional(() => withAccess((tokens) => client.get(tokens.accessToken, path, query)));
    if (!answer) return out;
    const body = answer.value as { records?: unknown; next_token?: unknown };
    if (Array.isArray(body?.records)) for (const doc of body.records) if (isObject(doc)) out.push(doc);
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

function isObject(value: unknown): value is WhoopDocument {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function inWindow(ms: number, sinceMs: number, untilMs: number): boolean {
  return Number.isFinite(ms) && ms > sinceMs && ms < untilMs;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
