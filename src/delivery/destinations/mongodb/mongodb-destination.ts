import {
  MongoAPIError,
  MongoClient,
  MongoParseError,
  MongoRuntimeError,
  type AnyBulkWriteOperation,
  type Document,
  type MongoClientOptions,
} from 'mongodb';
import type { DeliveryOutcome, Destination, DestinationEvent, DestinationServices } from '../destination.ts';
import {
  BlockedAddressError,
  guardedLookup,
  isBlockedAddress,
  isPublicAddress,
  privateTargetsRefused,
} from '../network-guard.ts';
import { isIP } from 'node:net';
import { assertPublicHosts, connectionStringHosts, eventParts, verifyFailed, withDeadline } from '../event-parts.ts';
import type { MongodbConfig } from './mongodb-config.ts';

/**
 * Terra's MongoDB layout: one collection per data type with `_id: {user_id, start_time}`
 * (athlete: `_id: user_id`), the record inline with the event's `user` object; auth-type and
 * other events in `user_events`. Every write is a replace-by-`_id` upsert, so a redelivery
 * overwrites. Indexes as Terra documents them are created on a collection's first use.
 */
export const USER_EVENTS = 'user_events';

const DEFAULT_TIMEOUT_MS = 10_000;

/** Index keys per collection, as Terra documents them. */
export function indexesFor(collection: string): { key: Record<string, 1 | -1> }[] {
  return collection === USER_EVENTS || collection === 'athlete'
    ? [{ key: { 'user.user_id': 1 } }, { key: { 'user.reference_id': 1 } }]
    : [{ key: { 'metadata.start_time': -1 } }, { key: { 'metadata.end_time': -1 } }];
}

/** The writes one event becomes: collection → replace-by-_id upserts. */
export function mongoWrites(event: DestinationEvent): {
  collection: string;
  operations: AnyBulkWriteOperation<Document>[];
} {
  const parts = eventParts(event);
  const userId = parts.user?.user_id ?? event.userId;
  if (!parts.isData) {
    // Terra documents `_id: {user_id, event_time}`; the event type is added because a re-auth
    // emits `user_reauth` and `auth` for one user at the same instant.
    const _id = { user_id: userId, event_time: new Date(event.orderingTimestamp), type: event.type };
    return { collection: USER_EVENTS, operations: [replaceById(_id, event.payload)] };
  }
  const user = event.payload.user ?? null;
  const operations = parts.records.map((part) => {
    const _id = part.dataType === 'athlete' ? userId : { user_id: userId, start_time: part.startTime ?? part.key };
    return replaceById(_id, { ...part.record, user });
  });
  return { collection: event.type, operations };
}

function replaceById(_id: unknown, replacement: Document): AnyBulkWriteOperation<Document> {
  return { replaceOne: { filter: { _id } as Document, replacement, upsert: true } };
}

export function openMongoDestination(config: MongodbConfig, services: DestinationServices): Destination {
  const timeoutMs = services.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let client: MongoClient;
  let guard: TopologyGuard;
  try {
    client = new MongoClient(config.uri, clientOptions(config.uri, timeoutMs, services));
    guard = guardTopology(client, services);
  } catch (error) {
    // A connection string the driver cannot parse (verify() reports it at creation).
    const failure = `mongodb: ${describeMongoError(error, config.database)}`;
    return { deliver: async () => ({ ok: false, error: failure, retryable: false }), close: async () => undefined };
  }
  const db = client.db(config.database);
  const indexed = new Map<string, Promise<void>>();
  const ensureIndexes = (collection: string): Promise<void> => {
    let ready = indexed.get(collection);
    if (!ready) {
      ready = db
        .collection(collection)
        .createIndexes(indexesFor(collection))
        .then(() => undefined)
        .catch((error: unknown) => {
          indexed.delete(collection);
          throw error;
        });
      indexed.set(collection, ready);
    }
    return ready;
  };
  return {
    async deliver(event: DestinationEvent): Promise<DeliveryOutcome> {
      const { collection, operations } = mongoWrites(event);
      const refused = guard.refusal();
      if (refused) return { ok: false, error: `mongodb: ${refused.message}`, retryable: false };
      try {
        const write = async () => {
          await ensureIndexes(collection);
          if (operations.length > 0) await db.collection(collection).bulkWrite(operations, { ordered: true });
        };
        await withDeadline(write(), timeoutMs);
        return { ok: true };
      } catch (error) {
        return {
          ok: false,
          error: `mongodb ${config.database}.${collection}: ${guard.refusal()?.message ?? describeMongoError(error, config.database)}`,
          retryable: !guard.refusal() && !mongoErrorIsPermanent(error) && !isBlockedAddress(error),
        };
      }
    },
    close: () => client.close(),
  };
}

/** Connects (authenticating), pings, and creates the `user_events` indexes, proving the user may write. */
export async function verifyMongoDestination(config: MongodbConfig, services: DestinationServices): Promise<void> {
  await assertPublicHosts('mongodb', connectionStringHosts(config.uri), services);
  let client: MongoClient | undefined;
  try {
    client = new MongoClient(config.uri, clientOptions(config.uri, services.timeoutMs ?? DEFAULT_TIMEOUT_MS, services));
    const guard = guardTopology(client, services);
    const db = client.db(config.database);
    await db.command({ ping: 1 }).catch((error: unknown) => {
      throw guard.refusal() ?? error;
    });
    await db.collection(USER_EVENTS).createIndexes(indexesFor(USER_EVENTS));
  } catch (error) {
    throw verifyFailed(
      'mongodb',
      `cannot use database "${config.database}": ${describeMongoError(error, config.database)}`,
      error,
    );
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/**
 * Timeouts from the delivery budget, unless the connection string sets its own. With the SSRF
 * guard, every socket's name resolves through the guarded lookup: seed hosts, `mongodb+srv`
 * SRV targets and replica-set members the server advertises alike.
 */
function clientOptions(uri: string, timeoutMs: number, services: DestinationServices): MongoClientOptions {
  const query = (uri.split('?')[1] ?? '').toLowerCase();
  const unless = (name: string) => (query.includes(`${name.toLowerCase()}=`) ? {} : { [name]: timeoutMs });
  return {
    ...(privateTargetsRefused(services) ? { lookup: guardedLookup } : {}),
    appName: 'tributary',
    ...unless('serverSelectionTimeoutMS'),
    ...unless('connectTimeoutMS'),
    ...unless('socketTimeoutMS'),
  };
}

interface TopologyGuard {
  /** Set once a host of the topology was refused: the client is closed for good. */
  refusal(): BlockedAddressError | undefined;
}

/**
 * Sockets skip `lookup` for address literals, so literals — in the seed list, or advertised
 * by the server as replica-set members — are checked as the driver opens each server: the
 * client is closed in the same tick, before that server's first connection is made (Node
 * defers a literal's connect to the next tick).
 */
function guardTopology(client: MongoClient, services: DestinationServices): TopologyGuard {
  let refused: BlockedAddressError | undefined;
  if (privateTargetsRefused(services))
    client.on('serverOpening', (event) => {
      const host = hostOf(event.address);
      if (isIP(host) === 0 || isPublicAddress(host) || refused) return;
      refused = new BlockedAddressError(event.address, host);
      void client.close(true).catch(() => undefined);
    });
  return { refusal: () => refused };
}

function hostOf(address: string): string {
  return address.startsWith('[') ? address.slice(1, address.indexOf(']')) : address.slice(0, address.lastIndexOf(':'));
}

/** Server error codes no retry can fix: bad values, documents over 16 MiB, illegal field names. */
const PERMANENT_CODES = new Set([2, 14, 52, 55, 56, 57, 10334, 17419, 17420]);

export function mongoErrorIsPermanent(error: unknown): boolean {
  const e = error as { code?: unknown; name?: string; writeErrors?: { code?: unknown }[] };
  if (e.name === 'BSONError' || error instanceof RangeError) return true;
  const codes = [e.code, ...(Array.isArray(e.writeErrors) ? e.writeErrors.map((w) => w.code) : [])];
  return codes.some((code) => typeof code === 'number' && PERMANENT_CODES.has(code));
}

export function describeMongoError(error: unknown, database: string): string {
  const e = error as { code?: unknown; codeName?: string; name?: string; message?: string };
  if (e.code === 18 || e.codeName === 'AuthenticationFailed')
    return `the server rejected the credentials: ${e.message}`;
  if (e.code === 13 || e.codeName === 'Unauthorized')
    return `${e.message} (the user needs the readWrite role on database "${database}")`;
  if (e.code === 'DEADLINE') return `${e.message} (the per-attempt budget, TRIBUTARY_WEBHOOK_TIMEOUT_MS)`;
  if (
    e.name === 'MongoServerSelectionError' ||
    e.name === 'MongoNetworkError' ||
    e.name === 'MongoNetworkTimeoutError'
  ) {
    return `could not reach the server (${e.message})`;
  }
  if (
    error instanceof MongoParseError ||
    error instanceof MongoAPIError ||
    (error instanceof MongoRuntimeError && /parse/i.test(e.message ?? ''))
  ) {
    return `invalid connection string: ${e.message}`;
  }
  return e.codeName ? `${e.message} (${e.codeName})` : (e.message ?? String(error));
}
