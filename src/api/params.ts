import { badParameter } from '../core/errors.ts';
import type { DataType } from '../model/data-types.ts';
import type { Store, User } from '../store/store.ts';
import { notFound } from '../core/errors.ts';

const DAY_MS = 86_400_000;

/**
 * Terra's date parameters: `YYYY-MM-DD` (a UTC calendar day), an ISO 8601 date-time
 * (`2026-03-01T08:00:00Z`, with `Z` or an offset; without one it is UTC) or unix seconds.
 * An end date given as a day includes that whole day; a date-time is that instant.
 */
export function parseDateParam(name: string, value: unknown, role: 'start' | 'end'): number {
  const text = String(value).trim();
  if (/^\d{1,12}$/.test(text)) return Number(text) * 1000;
  if (/^\d{13,}$/.test(text))
    throw badParameter(
      name,
      `${name} looks like unix milliseconds (${text}); send unix seconds (${text.slice(0, -3)}) or a date as YYYY-MM-DD`,
    );
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match) {
    const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    const check = new Date(ms);
    if (check.getUTCMonth() === Number(match[2]) - 1 && check.getUTCDate() === Number(match[3]))
      return role === 'end' ? ms + DAY_MS : ms;
  }
  const instant = parseDateTime(text);
  if (instant !== undefined) return instant;
  throw badParameter(
    name,
    `${name} must be a date as YYYY-MM-DD, an ISO 8601 date-time or unix seconds (got ${JSON.stringify(text)})`,
  );
}

/** An ISO 8601 date-time with a real calendar day and clock time, as epoch ms (UTC when it names no zone). */
function parseDateTime(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    text,
  );
  if (!match) return undefined;
  const [, y, mo, d, h, mi, sec = '0', fraction = '', zone = 'Z'] = match;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  const check = new Date(local);
  if (
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    check.getUTCMinutes() !== Number(mi) ||
    check.getUTCSeconds() !== Number(sec)
  )
    return undefined;
  const offsetMinutes =
    zone.toUpperCase() === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  const ms = local + Number(fraction.padEnd(3, '0').slice(0, 3)) - offsetMinutes * 60_000;
  return Number.isFinite(new Date(ms).getTime()) ? ms : undefined;
}

/** Terra's booleans: `true/false`, `True/False` (Python clients), `1/0`. */
export function parseBoolParam(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === true || value === 'true' || value === 'True' || value === '1') return true;
  if (value === false || value === 'false' || value === 'False' || value === '0') return false;
  throw badParameter(name, `${name} must be true or false (got ${JSON.stringify(value)})`);
}

export function requireParam(name: string, value: unknown): string {
  if (Array.isArray(value)) throw badParameter(name, `parameter ${name} must be given once`);
  if (typeof value !== 'string' || value.trim() === '') throw badParameter(name, `missing required parameter ${name}`);
  return value;
}

/** The developer's user, or a 404 that does not reveal whether it exists for someone else. */
export async function findUser(store: Store, devId: string, userId: string): Promise<User> {
  const user = await store.users.get(devId, userId);
  if (!user) throw notFound(`user ${userId} not found`);
  return user;
}

export interface DateRange {
  startMs: number;
  endMs: number;
}

/**
 * start_date is required; end_date defaults to now (or, for a start_date in the future such
 * as a planned workout's day, to the end of that day, not a 400 about a parameter the
 * caller never sent). The range must be ordered.
 */
export function parseRange(query: Record<string, unknown>, now = Date.now()): DateRange {
  const startMs = parseDateParam('start_date', requireParam('start_date', query.start_date), 'start');
  if (query.end_date === undefined || query.end_date === '') {
    return { startMs, endMs: now >= startMs ? now : Math.floor(startMs / DAY_MS) * DAY_MS + DAY_MS };
  }
  const endMs = parseDateParam('end_date', query.end_date, 'end');
  // Compare where the end date begins: a day-long end_date one day before start_date
  // would otherwise end exactly at start_date and slip through as an empty range.
  if (parseDateParam('end_date', query.end_date, 'start') < startMs)
    throw badParameter('end_date', 'end_date must not be before start_date');
  return { startMs, endMs };
}

/** Terra's path segment per data type. */
export const DATA_PATHS: Record<DataType, string> = {
  activity: '/activity',
  athlete: '/athlete',
  body: '/body',
  daily: '/daily',
  menstruation: '/menstruation',
  nutrition: '/nutrition',
  sleep: '/sleep',
  planned_workout: '/plannedWorkout',
};
