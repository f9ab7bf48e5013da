import {
  DATA_TYPES,
  MODEL_VERSION,
  naturalKey,
  recordWindow,
  type DataType,
  type TerraRecord,
} from '../../model/data-types.ts';
import type { DeliveryOutcome, DestinationEvent, DestinationServices } from './destination.ts';

/**
 * Terra's object-store layout, shared by the S3, GCS and Azure Blob destinations:
 *
 *   data events:  2022-03-16/{data_type}/{user_id}-{start_time}.json   (one object per record)
 *   athlete:      2022-03-16/athlete/{user_id}.json                   (one profile per user)
 *   other events: 2022-03-16/{event_type}/{user_id}-{timestamp}.json  (timestamp = emission time)
 *   FIT format:   2022-03-16/activity/{user_id}-{start_time}.fit beside the activity's JSON
 *
 * Keys depend only on the event's content and emission time, both stable across retries, so a
 * redelivery overwrites the same objects instead of adding new ones.
 */
export interface ObjectToWrite {
  key: string;
  body: string | Uint8Array;
  contentType: string;
}

export const LAYOUT_FOLDER = MODEL_VERSION;
const FIT_URL_TTL_SECONDS = 300;

/** `prefix` as given by the developer ("exports", "exports/", "/exports/") → "exports/". */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/` : '';
}

/** The JSON objects one event becomes (one per record for data events), in write order. */
export function jsonObjectsForEvent(event: DestinationEvent, prefix = ''): ObjectToWrite[] {
  const base = normalizePrefix(prefix) + LAYOUT_FOLDER;
  const user = keySafe(eventUserId(event) ?? '');
  const dataType = asDataType(event.type);
  const records = dataType ? eventRecords(dataType, event.payload) : undefined;
  if (dataType && records) {
    if (dataType === 'athlete')
      return [{ key: `${base}/athlete/${user || 'unknown'}.json`, body: event.body, contentType: JSON_TYPE }];
    return records.map((record, index) => ({
      key: `${base}/${dataType}/${nameWithUser(user, keySafe(recordName(dataType, record, event, index)))}.json`,
      body: records.length === 1 ? event.body : JSON.stringify({ ...event.payload, data: [record] }),
      contentType: JSON_TYPE,
    }));
  }
  // Auth and other events, or a data event rendered in a format without Terra's `data` array (FHIR).
  return [
    {
      key: `${base}/${keySafe(event.type)}/${nameWithUser(user, keySafe(emittedAt(event)))}.json`,
      body: event.body,
      contentType: JSON_TYPE,
    },
  ];
}

/**
 * Every object one event becomes: its JSON objects and, for an activity event when the
 * destination's format is FIT, the FIT file beside the JSON (fetched from Tributary's signed
 * URL). A FIT file describes one event; when an event carries several activities it is
 * written beside each of them.
 */
export async function objectsForEvent(
  event: DestinationEvent,
  services: DestinationServices,
  prefix = '',
  fetchImpl: typeof fetch = fetch,
): Promise<ObjectToWrite[]> {
  const objects = jsonObjectsForEvent(event, prefix);
  if (event.type !== 'activity' || !services.fitUrl) return objects;
  const fit = await fetchFit(services.fitUrl(event.eventId, FIT_URL_TTL_SECONDS), fetchImpl);
  const fitObjects = objects.map((object) => ({
    key: object.key.replace(/\.json$/, '.fit'),
    body: fit,
    contentType: 'application/vnd.ant.fit',
  }));
  // FIT first: a consumer that reacts to the JSON object finds its FIT already there.
  return [...fitObjects, ...objects];
}

async function fetchFit(url: string, fetchImpl: typeof fetch): Promise<Uint8Array> {
  const response = await fetchImpl(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`fetching the FIT file from Tributary answered HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const JSON_TYPE = 'application/json';

/**
 * The record's part of its key: its start time (Terra's layout). A record without one (should
 * not happen) falls back to its natural key (summary_id, planned workout id), then to the
 * event's emission time and its position, so two such records never share a key.
 */
function recordName(type: DataType, record: TerraRecord, event: DestinationEvent, index: number): string {
  return recordWindow(type, record).start ?? naturalKey(type, record) ?? `${emittedAt(event)}-${index}`;
}

function asDataType(type: string): DataType | undefined {
  return (DATA_TYPES as readonly string[]).includes(type) ? (type as DataType) : undefined;
}

function eventRecords(type: DataType, payload: Record<string, unknown>): TerraRecord[] | undefined {
  if (type === 'athlete')
    return payload.athlete && typeof payload.athlete === 'object' ? [payload.athlete as TerraRecord] : undefined;
  const data = payload.data;
  if (!Array.isArray(data) || data.length === 0) return undefined;
  return data.filter((record): record is TerraRecord => Boolean(record) && typeof record === 'object');
}

/** The user an event is about: `user`, or `new_user` on user_reauth. */
/**
 * One delivery to an object store: lays out the event's objects, then writes them in order.
 * `put` writes one object; the first failure ends the attempt with the outcome `failed`
 * builds (the store's own wording and status). Preparing the objects fails retryably.
 */
export async function putEventObjects(
  event: DestinationEvent,
  services: DestinationServices,
  prefix: string | undefined,
  store: {
    /** Named in the error when the objects cannot be prepared ("objects", "blobs"). */
    noun: string;
    reason(error: unknown): string;
    put(object: ObjectToWrite): Promise<void>;
    failed(object: ObjectToWrite, error: unknown): DeliveryOutcome;
  },
): Promise<DeliveryOutcome> {
  let objects: ObjectToWrite[];
  try {
    objects = await objectsForEvent(event, services, prefix);
  } catch (error) {
    return { ok: false, error: `preparing the ${store.noun} failed: ${store.reason(error)}`, retryable: true };
  }
  for (const object of objects) {
    try {
      await store.put(object);
    } catch (error) {
      return store.failed(object, error);
    }
  }
  return { ok: true };
}

export function eventUserId(event: DestinationEvent): string | null {
  if (event.userId) return event.userId;
  for (const field of ['user', 'new_user']) {
    const user = event.payload[field] as { user_id?: unknown } | undefined;
    if (user && typeof user.user_id === 'string' && user.user_id) return user.user_id;
  }
  return null;
}

function emittedAt(event: DestinationEvent): string {
  return new Date(event.orderingTimestamp).toISOString();
}

function nameWithUser(user: string, suffix: string): string {
  return user ? `${user}-${suffix}` : suffix;
}

/** Keeps timestamps verbatim (`:` and `+` are valid in S3, GCS and Azure names) but never lets a value add a folder. */
function keySafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[/\\\u0000-\u001f\u007f]/g, '_');
}
