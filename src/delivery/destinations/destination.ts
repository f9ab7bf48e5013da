import type { ZodTypeAny } from 'zod';
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
  // ADDED by delivery (issue 4), optional so existing destinations compile unchanged:
  /** Per-attempt budget in ms (TRIBUTARY_WEBHOOK_TIMEOUT_MS); network destinations should abort after it. */
  timeoutMs?: number;
  /**
   * TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS. When false, every destination refuses loopback,
   * private, link-local and cloud-internal targets, checked on the address each socket
   * actually connects to (see network-guard.ts). Absent = allowed (unit tests).
   */
  allowPrivateNetworks?: boolean;
  /**
   * TRIBUTARY_ALLOW_AMBIENT_CREDENTIALS. When not true, a destination never falls back on the
   * machine's own cloud identity (Application Default Credentials, workload identity, the AWS
   * default chain, instance metadata): a tenant brings its credentials or is refused.
   */
  allowAmbientCredentials?: boolean;
}

export interface Destination {
  /** Delivers one event; must be idempotent (a redelivery overwrites, never duplicates, where the layout has a key). */
  deliver(event: DestinationEvent): Promise<DeliveryOutcome>;
  /** Releases connections and clients. */
  close(): Promise<void>;
}

export interface DestinationDocs {
  /** Repository-relative page explaining the config (`docs/destinations/<type>.md`, its config table generated). */
  page: string;
  /** What the credentials must be allowed to do. */
  permissions: string;
  /** The real server or emulator its contract suite runs against. */
  testedAgainst: string;
}

export interface DestinationDefinition<Config = unknown> {
  /** `webhook`, `sql`, `s3`, ... as in `POST /v2/destinations {type}`. */
  type: string;
  /** The config's zod schema: `POST /v2/destinations` validates with it, the OpenAPI document and docs show it. */
  configSchema: ZodTypeAny;
  /** Parses and validates `config` (zod); throws a `bad_request` TributaryError naming the field. */
  parseConfig(input: unknown): Config;
  /** Names of config fields that are secrets: stored encrypted, never returned by the API. */
  secretFields: readonly string[];
  /** What it writes where (its layout), one Markdown line: the README and docs tables show it. */
  summary: string;
  /** Its documentation: generated into README § Destinations and docs/destinations/ by `npm run gen`. */
  docs: DestinationDocs;
  /** The test file that runs the shared destination contract (test/destinations/contract.ts) against it. */
  contractSuite: string;
  /** Opens the destination. */
  open(config: Config, services: DestinationServices): Destination;
  /** Checks the config with a real connection at creation; throws `bad_request` with the reason. */
  verify(config: Config, services: DestinationServices): Promise<void>;
  /**
   * ADDED by delivery (issue 4), optional: secret fields Tributary generates at creation when
   * the request omits them (the webhook's `signing_secret`). They are returned once in the
   * 201 response (and by `rotate-secret`), then never again. `parseConfig` receives them merged in.
   */
  generateSecrets?(): Record<string, string>;
}

/*
 * NOTES FOR DESTINATION IMPLEMENTERS (from delivery, issue 4):
 * - `POST /v2/destinations` body: `{type, event_types?, format?, delivery_mode?, ...config}`
 *   (or the type's fields nested under `config`). Everything that is not a common key is
 *   handed to `parseConfig`; `secretFields` are sealed at rest and never returned.
 * - `DestinationEvent.body` is already rendered: in ping mode it is the `s3_payload` wrapper,
 *   in `format: fhir|fit` it is what src/delivery/formats.ts produced. Send it byte-exact.
 * - Return `{ok:false, retryable:true}` for transient failures: the shared machinery retries
 *   on TRIBUTARY_WEBHOOK_RETRY_SCHEDULE, records every attempt, and dead-letters after the last.
 * - `open()` is called once per destination and cached by the worker; `close()` on shutdown
 *   and when the destination is updated or deleted.
 */
