import type { ZodType, ZodTypeDef } from 'zod';
import { TributaryError } from '../../core/errors.ts';
import { DATA_TYPES, naturalKey, recordWindow, type DataType, type TerraRecord } from '../../model/data-types.ts';
import type { DestinationEvent, DestinationServices } from './destination.ts';
import { assertPublicTargets } from './network-guard.ts';

/**
 * How the database-like destinations (sql, supabase, mongodb, firestore) cut a Terra event
 * into rows or documents. Shared by those four folders; object stores and queues have their own
 * layout.
 */

/** The TerraUser fields a destination keeps (as embedded in events). */
export interface EventUser {
  user_id: string;
  provider: string | null;
  reference_id: string | null;
  scopes: string | null;
  active: boolean | null;
  created_at: string | null;
}

/** One record of a data event, with its natural key and time window. */
export interface DataPart {
  dataType: string;
  /** Stable per user × data type × natural key: a redelivery or an updated superset lands on the same key. */
  key: string;
  startTime: string | null;
  endTime: string | null;
  record: TerraRecord;
  /** The event with this record alone: `{type, user, data: [record], version}` (athlete: `athlete`). */
  payload: Record<string, unknown>;
}

export interface EventParts {
  /** A data event (`activity`, `sleep`, …) rather than an auth/health/other event. */
  isData: boolean;
  /** The user the event is about (`new_user` for `user_reauth`); null for healthcheck. */
  user: EventUser | null;
  /** For `user_reauth`: the user that was replaced. */
  replacedUser: EventUser | null;
  /** Data records (empty for other events). */
  records: DataPart[];
}

const DATA_TYPE_SET = new Set<string>(DATA_TYPES);

export function isDataEventType(type: string): type is DataType {
  return DATA_TYPE_SET.has(type);
}

export function eventParts(event: DestinationEvent): EventParts {
  const payload = event.payload;
  const user = asUser(payload.user) ?? asUser(payload.new_user);
  const replacedUser = event.type === 'user_reauth' ? asUser(payload.old_user) : null;
  // A data event in another format than Terra JSON (a `format: "fhir"` Bundle) has no records
  // to split: it is kept whole, like any other event, rather than silently dropped.
  const terraShaped = event.type === 'athlete' ? isObject(payload.athlete) : Array.isArray(payload.data);
  if (!isDataEventType(event.type) || !terraShaped) return { isData: false, user, replacedUser, records: [] };
  const type = event.type;
  const records: TerraRecord[] =
    type === 'athlete'
      ? isObject(payload.athlete)
        ? [payload.athlete]
        : []
      : Array.isArray(payload.data)
        ? payload.data.filter(isObject)
        : [];
  const parts = records.map((record, index): DataPart => {
    const window = recordWindow(type, record);
    // A record without its natural key (malformed provider data) still gets a stable key per event.
    const key = naturalKey(type, record) ?? window.start ?? `${event.eventId}#${index}`;
    // Every other top-level field is kept (e.g. `url` and `expires_in` of a `format: "fit"` activity).
    const single = type === 'athlete' ? { ...payload, athlete: record } : { ...payload, data: [record] };
    return {
      dataType: type,
      key,
      startTime: window.start ?? null,
      endTime: window.end ?? null,
      record,
      payload: single,
    };
  });
  return { isData: true, user, replacedUser, records: parts };
}

/** The `state` Terra's users table records after an auth-type event, or null to leave it unchanged. */
export function userStateAfter(type: string, payload: Record<string, unknown>): string | null {
  switch (type) {
    case 'auth':
      return payload.status === 'error' ? null : 'active';
    case 'deauth':
      return 'deauth';
    case 'access_revoked':
      return 'access_revoked';
    case 'user_reauth':
      return 'active';
    default:
      return null;
  }
}

function asUser(value: unknown): EventUser | null {
  if (!isObject(value) || typeof value.user_id !== 'string' || value.user_id.length === 0) return null;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    user_id: value.user_id,
    provider: text(value.provider),
    reference_id: text(value.reference_id),
    scopes: text(value.scopes),
    active: typeof value.active === 'boolean' ? value.active : null,
    created_at: text(value.created_at),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Runs a zod schema over a destination's `config`; a failure becomes a `bad_request` naming
 * the first offending field as `config.<path>`.
 */
export function parseWith<T>(schema: ZodType<T, ZodTypeDef, unknown>, type: string, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.length > 0 ? `config.${issue.path.join('.')}` : 'config';
  throw new TributaryError('bad_request', `invalid ${type} destination config: ${path}: ${issue.message}`, {
    parameter: path,
    issues: result.error.issues.map((i) => ({ path: ['config', ...i.path].join('.'), message: i.message })),
  });
}

/** A `bad_request` for verify(): the destination could not be used with this config. */
export function verifyFailed(type: string, reason: string, cause?: unknown): TributaryError {
  return new TributaryError(
    'bad_request',
    `${type} destination check failed: ${reason}`,
    { parameter: 'config' },
    { cause },
  );
}

/** Milliseconds → ISO-8601 UTC, the format of every timestamp column we add. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * With TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS=false, a destination may not connect to a loopback,
 * private or link-local address (SSRF guard shared with the webhook): resolves each host and
 * throws `bad_request` naming the first one refused. A no-op when private targets are allowed.
 */
export async function assertPublicHosts(
  type: string,
  hosts: readonly string[],
  services: DestinationServices,
): Promise<void> {
  await assertPublicTargets(
    type,
    hosts.map((host) => `tcp://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}`),
    services,
  );
}

/** The hosts of a `mongodb://` / `postgres://` connection string (several for a replica set seed list). */
export function connectionStringHosts(uri: string): string[] {
  const afterScheme = uri.slice(uri.indexOf('://') + 3);
  const authority = afterScheme.split(/[/?]/)[0] ?? '';
  const hostList = authority.slice(authority.lastIndexOf('@') + 1);
  return hostList
    .split(',')
    .map((entry) => (entry.startsWith('[') ? entry.slice(1, entry.indexOf(']')) : entry.split(':')[0]))
    .filter((host) => host.length > 0);
}

/**
 * Bounds one delivery attempt by the machinery's per-attempt budget (its lease assumes the
 * attempt is over by then). The abandoned work may still finish later; every write is an
 * idempotent upsert, so that is harmless.
 */
export async function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'DEADLINE' })),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
