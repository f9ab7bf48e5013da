import { TributaryError } from '../core/errors.ts';
import type { DataType } from '../model/data-types.ts';
import type { McpGrant, User } from '../store/store.ts';
import { parseDateParam } from '../api/params.ts';
import { DAY_MS, MCP_LIMITS } from './limits.ts';
import type { Principal } from './principal.ts';

/**
 * A tool call the caller may not make, or made with arguments we cannot answer: the agent
 * gets the message as the tool's error result, and the audit log records a refusal.
 */
export class ToolRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolRefusal';
  }
}

export interface Period {
  startMs: number;
  endMs: number;
}

/**
 * A tool's period: `start_date` and `end_date` as YYYY-MM-DD (UTC days, the end day
 * included) or unix seconds, as on `/v2`; ordered and at most `maxPeriodDays` long.
 */
export function parsePeriod(startDate: string, endDate: string, label = ''): Period {
  const name = (field: string) => (label ? `${label}.${field}` : field);
  const startMs = refuseBadInput(() => parseDateParam(name('start_date'), startDate, 'start'));
  const endMs = refuseBadInput(() => parseDateParam(name('end_date'), endDate, 'end'));
  if (endMs <= startMs) throw new ToolRefusal(`${name('end_date')} must not be before ${name('start_date')}`);
  if (endMs - startMs > MCP_LIMITS.maxPeriodDays * DAY_MS)
    throw new ToolRefusal(
      `a period may span at most ${MCP_LIMITS.maxPeriodDays} days; ask for a shorter one (got ${Math.ceil((endMs - startMs) / DAY_MS)})`,
    );
  return { startMs, endMs };
}

function refuseBadInput<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof TributaryError) throw new ToolRefusal(error.message);
    throw error;
  }
}

/** The user a call reads: the grant's own user, or (developer key) the `user_id` given. */
export async function resolveUser(
  principal: Principal,
  userId: string | undefined,
  findUser: (devId: string, userId: string) => Promise<User | undefined>,
): Promise<User> {
  if (principal.kind === 'grant') {
    const granted = principal.grant.userId;
    if (userId !== undefined && userId !== granted)
      throw new ToolRefusal(`this grant covers user ${granted} only; it cannot read user ${userId}`);
    const user = await findUser(principal.devId, granted);
    if (!user) throw new ToolRefusal(`user ${granted} of this grant no longer exists`);
    return user;
  }
  if (userId === undefined)
    throw new ToolRefusal('user_id is required with a developer key (find_users lists your users)');
  const user = await findUser(principal.devId, userId);
  if (!user) throw new ToolRefusal(`user ${userId} not found`);
  return user;
}

/** Refuses a data type outside the grant. */
export function checkDataType(principal: Principal, type: DataType): void {
  if (principal.kind !== 'grant') return;
  const allowed = principal.grant.dataTypes;
  if (allowed && !allowed.includes(type))
    throw new ToolRefusal(`this grant does not cover ${type} data; it covers ${allowed.join(', ')}`);
}

/** Refuses a period reaching outside the grant's. */
export function checkPeriod(principal: Principal, period: Period): void {
  if (principal.kind !== 'grant') return;
  const { startMs, endMs } = principal.grant;
  if ((startMs !== null && period.startMs < startMs) || (endMs !== null && period.endMs > endMs))
    throw new ToolRefusal(
      `this grant covers ${describeGrantPeriod(principal.grant)}; the requested period ${describePeriod(period)} reaches outside it`,
    );
}

/** Whether a record's window lies within the grant's period (records without a window: only when the grant is unbounded). */
export function recordInGrantPeriod(principal: Principal, window: { startMs?: number; endMs?: number }): boolean {
  if (principal.kind !== 'grant') return true;
  const { startMs, endMs } = principal.grant;
  if (startMs === null && endMs === null) return true;
  if (window.startMs === undefined) return false;
  const end = window.endMs ?? window.startMs;
  return (startMs === null || window.startMs >= startMs) && (endMs === null || end <= endMs);
}

/** `2026-01-01 to 2026-01-31` (end day included). */
export function describePeriod(period: Period): string {
  return `${day(period.startMs)} to ${day(period.endMs - 1)}`;
}

export function describeGrantPeriod(grant: Pick<McpGrant, 'startMs' | 'endMs'>): string {
  if (grant.startMs === null && grant.endMs === null) return 'all dates';
  if (grant.startMs === null) return `dates up to ${day(grant.endMs! - 1)}`;
  if (grant.endMs === null) return `dates from ${day(grant.startMs)}`;
  return describePeriod({ startMs: grant.startMs, endMs: grant.endMs });
}

export function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
