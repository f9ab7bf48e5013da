/**
 * The destination family contract. One folder per destination type
 * (`delivery/destinations/<type>/`), each exporting a `DestinationDefinition`; the
 * delivery machinery (outbox, queue, retries, dead letter, deliveries log) is shared and
 * lives in `delivery/`. A destination gets events as arguments and never reads the store.
 */
export interface DestinationEvent {
  /** Outbox event id: stable across retries, use it for idempotency. */
  eventId: string;
  /** Terra event type (`activity`, `auth`, `healthcheck`, ...). */
  type: string;
  userId: string | null;
  /** terra-reference of the request that caused it, if any. */
  reference: string | null;
  /** The Terra event body as JSON text (already rendered in the destination's format). */
  body: string;
  /** The same, parsed. */
  payload: Record<string, unknown>;
  /** Stable per event × destination (X-Terra-Trace-Id). */
  traceId: string;
  /** Unix ms when the event was emitted (X-Terra-Ordering-Timestamp). */
  orderingTimestamp: number;
}

/** What one delivery attempt did. `retryAfterMs` is honoured within the schedule's bounds. */
export type DeliveryOutcome =
  | { ok: true; statusCode?: number }
  | { ok: false; error: string; statusCode?: number; retryable: boolean; retryAfterMs?: number };

/** Services the delivery machinery lends to destinations. */
export interface DestinationServices {
  /** A signed, expiring URL served by Tributary from which the full event JSON can be fetched (s3_payload). */
  payloadUrl(eventId: string, expiresInSeconds: number): string;
  /** A signed, expiring URL of the activity's FIT file, when the destination's format asks for FIT. */
  fitUrl?(eventId: string, expiresInSeconds: number): string;
}

export interface Destination {
  /** Delivers one event; must be idempotent (a redelivery overwrites, never duplicates, where the layout has a key). */
  deliver(event: DestinationEvent): Promise<DeliveryOutcome>;
  /** Releases connections and clients. */
  close(): Promise<void>;
}

export interface DestinationDefinition<Config = unknown> {
  /** `webhook`, `sql`, `s3`, ... as in `POST /v2/destinations {type}`. */
  type: string;
  /** Parses and validates `config` (zod); throws a `bad_request` TributaryError naming the field. */
  parseConfig(input: unknown): Config;
  /** Names of config fields that are secrets: stored encrypted, never returned by the API. */
  secretFields: readonly string[];
  /** Opens the destination. */
  open(config: Config, services: DestinationServices): Destination;
  /** Checks the config with a real connection at creation; throws `bad_request` with the reason. */
  verify(config: Config, services: DestinationServices): Promise<void>;
}
