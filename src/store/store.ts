import type { DataType, TerraRecord } from '../model/data-types.ts';

/**
 * The Store contract. Two engines implement it with the same SQL (`sql/`): embedded
 * SQLite (`sqlite/`, the default) and PostgreSQL (`postgres/`). Every method that touches
 * tenant data takes the developer id first: no query crosses developers.
 */
export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  readonly developers: DeveloperRepo;
  readonly apiKeys: ApiKeyRepo;
  readonly users: UserRepo;
  readonly connections: ConnectionRepo;
  readonly connectionHealth: ConnectionHealthRepo;
  readonly raw: RawRecordRepo;
  readonly records: RecordRepo;
  readonly events: EventRepo;
  readonly dataRequests: DataRequestRepo;
  readonly destinations: DestinationRepo;
  readonly deliveries: DeliveryRepo;
  readonly jobs: JobRepo;
  readonly authSessions: AuthSessionRepo;
  readonly appleSamples: AppleSampleRepo;
  readonly appleSdk: AppleSdkRepo;
  readonly mcpGrants: McpGrantRepo;
  readonly mcpAudit: McpAuditRepo;
  readonly providerNotifications: ProviderNotificationRepo;
  readonly leases: LeaseRepo;
  readonly providerBudgets: ProviderBudgetRepo;
  readonly rateLimits: RateLimitRepo;
  /** Runs `fn` in one transaction: the store it receives writes atomically. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query (health checks). */
  ping(): Promise<void>;
  /** Engine-wide figures for operators (`GET /metrics`): aggregates only, never a tenant's data. */
  operatorFigures(now: number): Promise<OperatorFigures>;
  close(): Promise<void>;
}

export interface OperatorFigures {
  /** `created_ms` of the oldest event not yet dispatched, or null. */
  oldestUndispatchedMs: number | null;
  /** `next_attempt_at` of the most overdue pending delivery (due at or before `now`), or null. */
  oldestDueDeliveryMs: number | null;
  /** Per provider: `next_sync_at` of the most overdue active connection (due at or before `now`). */
  oldestDueSyncMs: Record<string, number>;
  /** The connection pool (PostgreSQL); absent on the embedded store. */
  pool?: { total: number; idle: number; waiting: number; max: number };
}

export interface Developer {
  devId: string;
  name: string;
  /** Provider names the developer enabled; null = every provider the operator configured. */
  enabledProviders: string[] | null;
  createdAt: string;
}

export interface DeveloperRepo {
  /** Creates a developer; the API key is returned once and only its hash is stored. */
  create(input: { name: string; devId?: string; apiKey?: string }): Promise<{ developer: Developer; apiKey: string }>;
  get(devId: string): Promise<Developer | undefined>;
  list(): Promise<Developer[]>;
  /** The developer when `apiKey` is theirs, else undefined (constant-time compare). */
  authenticate(devId: string, apiKey: string): Promise<Developer | undefined>;
  setEnabledProviders(devId: string, providers: string[] | null): Promise<void>;
}

/** One of a developer's named API keys; only a hash of the secret is stored. */
export interface ApiKey {
  keyId: string;
  devId: string;
  name: string;
  /** The secret's last four characters, to tell keys apart (null for keys migrated from before). */
  hint: string | null;
  createdAt: string;
  rotatedAt: string | null;
  /** Updated at most once a minute per key, so authenticating stays a read. */
  lastUsedAt: string | null;
}

export interface ApiKeyRepo {
  /** A new key for the developer; the secret is returned once. */
  create(devId: string, input: { name: string; secret?: string }): Promise<{ key: ApiKey; secret: string }>;
  list(devId: string): Promise<ApiKey[]>;
  get(devId: string, keyId: string): Promise<ApiKey | undefined>;
  /** A fresh secret for the key; the old one stops working at once. */
  rotate(devId: string, keyId: string): Promise<{ key: ApiKey; secret: string } | undefined>;
  /**
   * Deletes the key (the next call with it is refused). `last` when it is the developer's
   * only key: a developer must keep one.
   */
  revoke(devId: string, keyId: string): Promise<'revoked' | 'not_found' | 'last'>;
  /** The developer and the key matching `secret` (constant-time compare), recording its use. */
  authenticate(devId: string, secret: string, now?: number): Promise<{ developer: Developer; key: ApiKey } | undefined>;
}

/** `pending`: user allocated, login not finished; `connected`; `deauthorized`; `error` (needs reconnect). */
export type UserState = 'pending' | 'connected' | 'deauthorized' | 'error';

export interface User {
  userId: string;
  devId: string;
  provider: string;
  referenceId: string | null;
  providerUserId: string | null;
  state: UserState;
  active: boolean;
  scopes: string | null;
  lastWebhookUpdate: string | null;
  createdAt: string;
}

export interface UserRepo {
  create(
    devId: string,
    input: {
      provider: string;
      referenceId?: string | null;
      state?: UserState;
      userId?: string;
      providerUserId?: string | null;
      scopes?: string | null;
    },
  ): Promise<User>;
  get(devId: string, userId: string): Promise<User | undefined>;
  byReferenceId(devId: string, referenceId: string): Promise<User[]>;
  byProviderAccount(devId: string, provider: string, providerUserId: string): Promise<User[]>;
  /** Page through a developer's users in creation order (zero-based pages). */
  list(devId: string, page?: { page: number; perPage: number }): Promise<{ users: User[]; total: number }>;
  update(
    devId: string,
    userId: string,
    patch: Partial<Pick<User, 'referenceId' | 'active' | 'state' | 'providerUserId' | 'scopes' | 'lastWebhookUpdate'>>,
  ): Promise<User | undefined>;
  /**
   * Deletes the user with its connection, records and raw data, and every event about the user
   * with its deliveries (pending or not), attempts and chunk indexes, its data requests and
   * widget choices, in one transaction. A notice about the deletion (a `deauth` or `auth` event)
   * is inserted after this call, or it is deleted with the rest.
   */
  delete(devId: string, userId: string): Promise<boolean>;
}

export type ConnectionStatus = 'active' | 'error' | 'revoked';

export interface Connection<Credentials = unknown, SyncState = Record<string, unknown>> {
  userId: string;
  devId: string;
  provider: string;
  /** Decrypted credentials (tokens); stored sealed with AES-256-GCM. */
  credentials: Credentials | null;
  status: ConnectionStatus;
  /** Provider-owned sync bookkeeping (cursors, synced ranges). */
  syncState: SyncState;
  /** Epoch ms of the next scheduled poll; null = not scheduled. */
  nextSyncAt: number | null;
  updatedAt: string;
}

export interface ConnectionRepo {
  save<C, S extends Record<string, unknown>>(
    devId: string,
    input: {
      userId: string;
      provider: string;
      credentials: C | null;
      status?: ConnectionStatus;
      syncState?: S;
      nextSyncAt?: number | null;
    },
  ): Promise<void>;
  get<C = unknown, S extends Record<string, unknown> = Record<string, unknown>>(
    devId: string,
    userId: string,
  ): Promise<Connection<C, S> | undefined>;
  update(
    devId: string,
    userId: string,
    patch: {
      credentials?: unknown;
      status?: ConnectionStatus;
      syncState?: Record<string, unknown>;
      nextSyncAt?: number | null;
    },
  ): Promise<void>;
  /**
   * Claims up to `limit` active connections whose next sync is due, leasing each for
   * `leaseMs` so that two workers never poll one connection at once.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<Connection[]>;
  /**
   * Extends a lease `claimDue` gave (`heldUntil` = its `now + leaseMs`, or the last renewal)
   * to `until`; false when the lease is no longer that one (expired and taken, or released).
   */
  renewLease(devId: string, userId: string, heldUntil: number, until: number): Promise<boolean>;
  release(devId: string, userId: string): Promise<void>;
  delete(devId: string, userId: string): Promise<void>;
}

/** A user with its connection's sync bookkeeping (no credentials), for connection health. */
export interface ConnectionHealthRow {
  user: User;
  connection: { status: ConnectionStatus; syncState: Record<string, unknown>; updatedAt: string } | null;
  /** Set while a `connection_stale` event announced the current stale period. */
  staleNotice: { reason: string; notifiedAt: string } | null;
}

export interface ConnectionHealthRepo {
  /**
   * The developer's users matching every given filter, in creation order, with what health
   * is judged from. `query` is a user id (exact) or part of a reference id (any case).
   */
  list(
    devId: string,
    filter?: { userId?: string; query?: string; provider?: string; state?: UserState },
  ): Promise<ConnectionHealthRow[]>;
  /**
   * Records that the user's current stale period is being announced; false when it already
   * was (another worker won), so one period makes one event.
   */
  claimStaleNotice(devId: string, userId: string, notice: { reason: string; notifiedAt: string }): Promise<boolean>;
  /** The connection is healthy again: the next stale period will be announced. */
  clearStaleNotice(devId: string, userId: string): Promise<void>;
}

export interface RawRecordInput {
  userId: string;
  provider: string;
  /** A `DataType`, or a provider's own payload kind (`batch`, `workout-file`…). */
  dataType: string;
  /** The provider's id for this payload (a log id, a file hash). */
  externalId: string;
  contentType: string;
  body: Buffer | string;
}

export interface RawRecord extends Omit<RawRecordInput, 'body'> {
  rawId: string;
  devId: string;
  body: Buffer;
  sha256: string;
  receivedAt: string;
}

export interface RawRecordRepo {
  /** Stores a payload verbatim; the same bytes for the same external id are stored once. */
  put(devId: string, input: RawRecordInput): Promise<{ rawId: string; inserted: boolean }>;
  get(devId: string, rawId: string): Promise<RawRecord | undefined>;
  list(devId: string, userId: string, filter?: { provider?: string; externalId?: string }): Promise<RawRecord[]>;
  /**
   * The newest version (last received) of each of a user's payloads — one per provider,
   * data type and external id — in raw id order, a page at a time after `afterRawId` (replay).
   */
  latest(
    devId: string,
    userId: string,
    filter: {
      provider?: string;
      dataTypes?: readonly string[];
      /** Only this payload's newest version (a provider merging a part into it). */
      externalId?: string;
      afterRawId?: string;
      limit: number;
    },
  ): Promise<RawRecord[]>;
}

export interface RecordRawLink {
  naturalKey: string;
  startMs: number | null;
  raw: {
    rawId: string;
    provider: string;
    externalId: string;
    contentType: string;
    sha256: string;
    receivedAt: string;
    bytes: number;
  } | null;
}

export interface RecordRepo {
  /**
   * Upserts by Terra's natural key. `changed` is false when an identical payload was
   * already stored (so callers emit no duplicate event).
   */
  upsert(
    devId: string,
    userId: string,
    type: DataType,
    record: TerraRecord,
    rawId?: string | null,
  ): Promise<{ key: string; changed: boolean }>;
  /**
   * Records whose window overlaps [startMs, endMs), as JSON text (served without
   * re-parsing), ordered by start time. Athletes ignore the range.
   */
  listJson(
    devId: string,
    userId: string,
    type: DataType,
    range: { startMs?: number; endMs?: number; withSamples: boolean; limit?: number },
  ): Promise<string[]>;
  get(devId: string, userId: string, type: DataType, key: string): Promise<TerraRecord | undefined>;
  /** Deletes by natural key; returns the keys that existed. */
  delete(devId: string, userId: string, type: DataType, keys: string[]): Promise<string[]>;
  count(devId: string, userId: string, type?: DataType): Promise<number>;
  /**
   * For the records of a range (overlapping [startMs, endMs), ordered by start), the raw
   * provider payload each was normalized from, without its body (null when none was kept).
   */
  rawLinks(
    devId: string,
    userId: string,
    type: DataType,
    range: { startMs?: number; endMs?: number; limit: number },
  ): Promise<RecordRawLink[]>;
}

export interface StoredEvent {
  eventId: string;
  devId: string;
  userId: string | null;
  type: string;
  reference: string | null;
  /** The Terra event body exactly as it will be sent. */
  payload: Record<string, unknown>;
  createdAt: string;
  createdMs: number;
  dispatched: boolean;
}

/** An outbox event without its body, as the dispatcher reads it. */
export type OutboxEntry = Omit<StoredEvent, 'payload'>;

export interface EventRepo {
  /** Appends to the outbox; call inside the transaction that wrote the data. */
  insert(
    devId: string,
    input: { type: string; userId?: string | null; reference?: string | null; payload: Record<string, unknown> },
  ): Promise<StoredEvent>;
  get(devId: string, eventId: string): Promise<StoredEvent | undefined>;
  list(
    devId: string,
    filter?: { userId?: string; type?: string; limit?: number; afterMs?: number },
  ): Promise<StoredEvent[]>;
  /** Events not yet handed to the queue, oldest first, across developers (for the dispatcher). */
  /**
   * The oldest events not yet dispatched, without their bodies: routing needs ids, types and
   * references only (a batch of full payloads can be hundreds of megabytes).
   */
  undispatched(limit: number): Promise<OutboxEntry[]>;
  markDispatched(eventIds: string[]): Promise<void>;
  /**
   * Counts a failed dispatch of one event; at `maxFailures` the event is quarantined: it leaves
   * the outbox (kept, with `error`, until retention) and the call returns true.
   */
  dispatchFailed(eventId: string, error: string, maxFailures: number): Promise<boolean>;
  /**
   * Retention (issue 10 item 6), across developers, at most `limit` events a call: deletes
   * dispatched events created before `beforeMs`, and `to_webhook` copies (events with a
   * reference) created before `readCopiesBeforeMs`, when none of their deliveries is still
   * pending, with their deliveries, attempts and chunk indexes; and data requests created before
   * `beforeMs`. Returns how many events and data requests went.
   */
  purge(input: { beforeMs: number; readCopiesBeforeMs: number; limit: number }): Promise<{
    events: number;
    dataRequests: number;
  }>;
}

export interface DataRequest {
  reference: string;
  devId: string;
  userId: string;
  dataType: DataType;
  startMs: number | null;
  endMs: number | null;
  withSamples: boolean;
  status: 'accepted' | 'sending' | 'sent' | 'failed';
  createdAt: string;
}

export interface DataRequestRepo {
  create(devId: string, input: Omit<DataRequest, 'devId' | 'createdAt' | 'status'>): Promise<DataRequest>;
  get(devId: string, reference: string): Promise<DataRequest | undefined>;
  setStatus(devId: string, reference: string, status: DataRequest['status']): Promise<void>;
}

// ---------------------------------------------------------------- delivery (migration 0020)

export type DeliveryMode = 'push' | 'ping';
export type EventFormat = 'json' | 'fit' | 'fhir';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface StoredDestination {
  destinationId: string;
  devId: string;
  type: string;
  /** Settings in clear (the webhook's `url`, a bucket name…). */
  config: Record<string, unknown>;
  /** Secret fields, opened (sealed at rest). */
  secrets: Record<string, unknown>;
  /** The sealed secrets could not be opened (another encryption key, damage): never sent to. */
  secretsUnreadable?: true;
  deliveryMode: DeliveryMode;
  /** null = every event type. */
  eventTypes: string[] | null;
  format: EventFormat;
  enabled: boolean;
  /** Why the destination was disabled, when it was. */
  statusNotice: string | null;
  /** Epoch ms of the first failure of the current failure streak. */
  failingSince: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewDestination {
  type: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  deliveryMode: DeliveryMode;
  eventTypes: string[] | null;
  format: EventFormat;
}

export type DestinationPatch = Partial<
  Pick<StoredDestination, 'config' | 'secrets' | 'deliveryMode' | 'eventTypes' | 'format' | 'enabled'>
>;

/**
 * Destinations of a developer. Secrets are sealed at rest with the store's SecretBox and
 * returned opened.
 */
export interface DestinationRepo {
  create(devId: string, input: NewDestination): Promise<StoredDestination>;
  get(devId: string, destinationId: string): Promise<StoredDestination | undefined>;
  /** In creation order. */
  list(devId: string): Promise<StoredDestination[]>;
  update(devId: string, destinationId: string, patch: DestinationPatch): Promise<StoredDestination | undefined>;
  delete(devId: string, destinationId: string): Promise<boolean>;
  /** Ends the current failure streak. */
  markHealthy(devId: string, destinationId: string): Promise<void>;
  /**
   * Records a failed attempt. Returns true when the destination has now failed for longer
   * than `disableAfterMs` without a success, and was disabled.
   */
  markFailing(devId: string, destinationId: string, now: number, disableAfterMs: number): Promise<boolean>;
}

export interface Delivery {
  deliveryId: string;
  devId: string;
  destinationId: string;
  eventId: string;
  eventType: string;
  traceId: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: number | null;
  createdAt: string;
  createdMs: number;
  deliveredAt: string | null;
}

/** A delivery as `claim` hands it to one worker: `leaseUntil` is its fencing token. */
export interface ClaimedDelivery extends Delivery {
  leaseUntil: number;
}

export interface NewDelivery {
  destinationId: string;
  eventId: string;
  eventType: string;
  traceId: string;
}

export interface DeliveryAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export type DeliveryOutcome =
  { status: 'delivered' } | { status: 'failed' } | { status: 'pending'; nextAttemptAt: number };

/**
 * One delivery per event × destination, with every attempt logged, and the chunk index of
 * large-request events. Every tenant query takes the developer id; only the worker-side
 * sweep (`overdue`) reads across developers, as the outbox dispatcher does.
 */
export interface DeliveryRepo {
  /** Inserts deliveries; an existing (destination, event) pair is kept as is. Returns the pending ones. */
  create(devId: string, input: readonly NewDelivery[], now?: number): Promise<Delivery[]>;
  get(devId: string, deliveryId: string): Promise<Delivery | undefined>;
  /** Newest first; `cursor` continues after the last item of the previous page (a bad cursor is a 400). */
  list(
    devId: string,
    filter: {
      destinationId?: string;
      status?: DeliveryStatus;
      eventId?: string;
      /** Deliveries of this event type (`activity`, `healthcheck`…). */
      eventType?: string;
      /** Deliveries of this user's events. */
      userId?: string;
      limit: number;
      cursor?: string;
    },
  ): Promise<{ deliveries: Delivery[]; nextCursor: string | null }>;
  attempts(devId: string, deliveryId: string): Promise<DeliveryAttempt[]>;
  /**
   * Takes a pending delivery for one attempt: only one worker holds it until `leaseMs`
   * passes, so a delivery is never sent twice at the same time, whatever the queue does.
   */
  claim(
    devId: string,
    deliveryId: string,
    now: number,
    leaseMs: number,
    /**
     * With caps, a parked delivery that is due (a retry woken by its timer) is admitted first
     * if its destination and developer have a free slot; without, only queued ones are claimed.
     */
    caps?: { destination: number; developer: number },
  ): Promise<ClaimedDelivery | undefined>;
  release(devId: string, deliveryId: string): Promise<void>;
  /**
   * Logs an attempt and moves the delivery to `next` (releasing its lease), in one
   * transaction. Fenced: given a claimed delivery, it writes only while that lease is still
   * the delivery's lease; a worker whose lease expired and was taken over writes nothing and
   * gets false (its result is stale).
   */
  recordAttempt(
    delivery: Delivery | ClaimedDelivery,
    attempt: { startedAt: number; durationMs: number; statusCode: number | null; error: string | null },
    next: DeliveryOutcome,
  ): Promise<boolean>;
  /** Ends a delivery without an attempt (its destination was deleted or disabled). */
  abandon(delivery: Delivery, reason: string): Promise<void>;
  /**
   * Puts a delivery back to pending for an attempt now (manual redelivery). The lease is kept:
   * an attempt in flight finishes first, so one delivery is never sent twice at once.
   */
  redeliver(devId: string, deliveryId: string, now: number): Promise<Delivery | undefined>;
  /**
   * Moves due parked deliveries to queued (oldest first), up to `cap` minus the destination's
   * queued pending deliveries and `developerCap` minus all the developer's, and returns them:
   * the caller adds their jobs. Counted under a per-developer lock, so the caps hold across
   * processes. New deliveries and deliveries waiting for a retry are parked.
   */
  admit(devId: string, destinationId: string, cap: number, now: number, developerCap?: number): Promise<Delivery[]>;
  /** Marks deliveries queued whatever their destination's cap (a manual test send). */
  markEnqueued(devId: string, deliveryIds: readonly string[], now: number): Promise<void>;
  /** Destinations with due parked deliveries, across developers or of one (the sweep admits them). */
  parkedDestinations(limit: number, now?: number, devId?: string): Promise<{ devId: string; destinationId: string }[]>;
  /** Queued pending deliveries whose attempt is overdue by `graceMs` (their job was lost or is stuck), across developers. */
  overdue(now: number, graceMs: number, limit: number): Promise<Delivery[]>;
  /** Deliveries to `destinationId` created since `sinceMs` that were delivered. */
  countDeliveredSince(devId: string, destinationId: string, sinceMs: number): Promise<number>;
  /** The chunk index of a large-request event (first write wins). */
  setChunk(devId: string, eventId: string, reference: string, chunk: number): Promise<void>;
  chunkOf(devId: string, eventId: string): Promise<number | undefined>;
}

// ---------------------------------------------------------------- embedded queue (migration 0020)

export interface QueuedJob {
  /** The id given to `add`, without the queue name. */
  id: string;
  data: Record<string, unknown>;
}

/** The embedded queue's jobs table. Job ids are unique per queue. */
export interface JobRepo {
  /** Adds jobs in one transaction; an id already waiting or running is ignored. */
  add(
    queue: string,
    jobs: readonly { id: string; data: Record<string, unknown>; runAt: number }[],
    now: number,
  ): Promise<void>;
  /**
   * Leases up to `limit` due jobs until `now + leaseMs` (skipping rows another worker holds),
   * oldest `runAt` first.
   */
  claim(queue: string, limit: number, now: number, leaseMs: number): Promise<QueuedJob[]>;
  /** The job is done: removes it. */
  complete(queue: string, id: string): Promise<void>;
  /** Releases the lease and runs the job again at `runAt`. */
  retryAt(queue: string, id: string, runAt: number): Promise<void>;
  /** Jobs not yet finished (waiting, delayed or running). */
  pending(queue: string): Promise<number>;
}

// ---------------------------------------------------------------- hosted auth sessions (migration 0010)

export type AuthSessionKind = 'login' | 'widget';

export interface AuthSession {
  /** Public id: Terra's `widget_session_id` / `session_id`. */
  sessionId: string;
  kind: AuthSessionKind;
  devId: string;
  userId: string | null;
  provider: string | null;
  /** Widget: the providers to offer (null = every enabled one). */
  providers: string[] | null;
  referenceId: string | null;
  successUrl: string | null;
  failureUrl: string | null;
  language: string | null;
  /** Login links opened from a widget carry its session id into the auth event. */
  widgetSessionId: string | null;
  expiresMs: number;
  usedMs: number | null;
}

/**
 * Hosted-flow sessions, found by the SHA-256 of the secret their URL carries (the secret
 * itself is never stored; the hash already belongs to one developer).
 */
export interface AuthSessionRepo {
  create(session: AuthSession, secretHash: string, createdAt: string): Promise<void>;
  bySecretHash(secretHash: string): Promise<AuthSession | undefined>;
  /** Marks the session used; false when it was already used (a concurrent submit won). */
  markUsed(secretHash: string, now: number): Promise<boolean>;
  /** Login sessions that expired unused before `cutoffMs` and whose user is still pending, across developers. */
  abandonedLogins(
    cutoffMs: number,
  ): Promise<{ devId: string; userId: string; sessionId: string; widgetSessionId: string | null }[]>;
  deleteExpiredBefore(cutoffMs: number): Promise<void>;
  /** Counts a refused password on this link; returns the user's failed attempts over all its links. */
  recordFailedLogin(secretHash: string): Promise<number>;
  /** Refused passwords over every login link of this user (a widget may have opened several). */
  failedLogins(devId: string, userId: string): Promise<number>;
  /** Marks every unused login link of this user used (its attempts are spent). */
  spendLogins(devId: string, userId: string, now: number): Promise<void>;
  /** The user a widget session already created for this provider, if any. */
  widgetChoice(widgetSessionId: string, provider: string): Promise<{ devId: string; userId: string } | undefined>;
  /** Records that choice; false when another request recorded one first. */
  recordWidgetChoice(choice: {
    widgetSessionId: string;
    provider: string;
    devId: string;
    userId: string;
    now: number;
  }): Promise<boolean>;
}

// ---------------------------------------------------------------- Apple Health (migration 0050)

/** One stored HealthKit sample (or a workout marker), as the Apple provider computes it. */
export interface AppleSampleRow {
  /** HealthKit UUID (SDK samples, workout markers); null for export records, which have none. */
  uuid: string | null;
  type: string;
  sourceName: string;
  startMs: number;
  endMs: number;
  /** UTC offset (minutes east) the sample was recorded in: decides its local day. */
  offsetMin: number;
  /** Recompute group: the local date (`YYYY-MM-DD`) for day-keyed types, `sleep:<night date>` for sleep. */
  bucket: string;
  value: number | null;
  textValue: string | null;
  /** Source tier (providers/apple/hk-types.ts `sourceTier`). */
  priority: number;
  meta: Record<string, string | number> | null;
}

/** The Apple sample table, per user. */
export interface AppleSampleRepo {
  /**
   * Inserts samples, skipping any already stored (same UUID, or same type, source, start and
   * end). With `replace`, an existing sample's metadata is updated instead (activity summaries,
   * which grow during their day; unchanged ones are left alone). Returns the buckets that
   * changed and how many rows were new or updated.
   */
  insert(
    devId: string,
    userId: string,
    rows: readonly AppleSampleRow[],
    options?: { replace?: boolean },
  ): Promise<{ buckets: Set<string>; inserted: number }>;
  /** Deletes samples by UUID; returns the deleted rows' bucket, type and text value. */
  delete(
    devId: string,
    userId: string,
    uuids: readonly string[],
  ): Promise<{ bucket: string; type: string; textValue: string | null }[]>;
  /** Every stored sample of the given buckets, in bucket and time order. */
  inBuckets(devId: string, userId: string, buckets: readonly string[]): Promise<AppleSampleRow[]>;
  count(devId: string, userId: string): Promise<number>;
  /** Every distinct bucket the user's samples fall in (dates, sleep nights, `workout`), sorted. */
  buckets(devId: string, userId: string): Promise<string[]>;
  /**
   * `insert` and `delete` record every bucket they changed as dirty, in their transaction, until
   * a recompute clears it: a crash between the samples' commit and the recompute loses nothing.
   * These are the current marks of the given buckets (a recompute reads them before the samples).
   */
  dirtyMarks(devId: string, userId: string, buckets: readonly string[]): Promise<DirtyBucket[]>;
  /** Clears the buckets whose mark is still the given one (changed again meanwhile: kept). */
  clearDirty(devId: string, userId: string, marks: readonly DirtyBucket[]): Promise<void>;
  /** Dirty buckets marked before `markedBeforeMs`, oldest first, across developers (the drain). */
  dirty(markedBeforeMs: number, limit: number): Promise<DirtyBucket[]>;
}

/** A bucket whose samples changed and whose records were not recomputed since. */
export interface DirtyBucket {
  devId: string;
  userId: string;
  bucket: string;
  mark: string;
  markedMs: number;
}

export type SdkTokenCheck = { ok: true; devId: string } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/** Single-use SDK tokens and per-user SDK secrets; only hashes are stored. */
export interface AppleSdkRepo {
  saveToken(devId: string, token: string, expiresMs: number): Promise<void>;
  /** Marks the token used, atomically: two concurrent exchanges of one token cannot both succeed. */
  consumeToken(token: string, now: number): Promise<SdkTokenCheck>;
  saveCredential(devId: string, userId: string, secret: string): Promise<void>;
  /** The developer owning `userId` when `secret` is that user's SDK secret (constant-time compare). */
  authenticate(userId: string, secret: string): Promise<string | undefined>;
}

// ---------------------------------------------------------------- MCP grants and audit (migration 0170)

/** `pending`: behind a consent link, not yet approved; `active` (until `expiresMs`); `denied`; `revoked`. */
export type McpGrantStatus = 'pending' | 'active' | 'denied' | 'revoked';

/** A user grant: an MCP bearer token scoped to one user, some data types and a period. */
export interface McpGrant {
  grantId: string;
  devId: string;
  userId: string;
  status: McpGrantStatus;
  /** `api`: minted by the developer; `consent`: approved by the end user on the hosted page. */
  createdVia: 'api' | 'consent';
  /** null = every data type. */
  dataTypes: DataType[] | null;
  /** The period the grant may read, epoch ms [startMs, endMs); null = unbounded on that side. */
  startMs: number | null;
  endMs: number | null;
  /** Lifetime from approval (a pending grant starts its clock when approved). */
  expiresInSeconds: number;
  /** Epoch ms the token stops working; null while pending. */
  expiresMs: number | null;
  /** Epoch ms the consent link stops working (consent grants). */
  consentExpiresMs: number | null;
  /** Where the consent page sends the end user back to. */
  redirectUrl: string | null;
  createdAt: string;
  approvedAt: string | null;
  revokedAt: string | null;
}

export interface McpGrantScope {
  userId: string;
  dataTypes: DataType[] | null;
  startMs: number | null;
  endMs: number | null;
  expiresInSeconds: number;
}

export interface McpGrantRepo {
  /** An active grant; the token is returned once and only its hash is stored. */
  create(devId: string, scope: McpGrantScope, now?: number): Promise<{ grant: McpGrant; token: string }>;
  /** A pending grant behind a consent link; the link secret is returned once and only its hash is stored. */
  createPending(
    devId: string,
    scope: McpGrantScope & { consentExpiresMs: number; redirectUrl: string | null },
  ): Promise<{ grant: McpGrant; secret: string }>;
  /** The grant behind a consent-link secret, across developers (the link is the credential). */
  byConsentSecret(secret: string): Promise<McpGrant | undefined>;
  /**
   * Approves a pending grant whose link is still valid: the link is spent and the token is
   * returned once. Undefined when the link was already used, denied or expired.
   */
  approve(secret: string, now?: number): Promise<{ grant: McpGrant; token: string } | undefined>;
  /** Denies a pending grant (the link is spent); undefined when it was no longer pending. */
  deny(secret: string): Promise<McpGrant | undefined>;
  /** The active, unexpired grant a bearer token belongs to, across developers. */
  authenticate(token: string, now?: number): Promise<McpGrant | undefined>;
  get(devId: string, grantId: string): Promise<McpGrant | undefined>;
  /** Newest first. */
  list(devId: string, filter?: { userId?: string; limit?: number }): Promise<McpGrant[]>;
  /** Revokes at once (a pending grant too); returns the grant, or undefined when unknown. */
  revoke(devId: string, grantId: string): Promise<McpGrant | undefined>;
}

export interface McpAuditEntry {
  auditId: string;
  devId: string;
  /** `developer`: called with the developer key; `grant`: with a user grant's token. */
  actor: 'developer' | 'grant';
  grantId: string | null;
  tool: string;
  userId: string | null;
  startMs: number | null;
  endMs: number | null;
  recordCount: number;
  /** `ok`; `refused` (outside the caller's scope or bad arguments); `error` (failed on our side). */
  outcome: 'ok' | 'refused' | 'error';
  message: string | null;
  createdAt: string;
  createdMs: number;
}

export interface McpAuditRepo {
  append(
    devId: string,
    entry: Omit<McpAuditEntry, 'auditId' | 'devId' | 'createdAt' | 'createdMs'>,
  ): Promise<McpAuditEntry>;
  /** Newest first; `before` continues after the last entry of the previous page. */
  list(
    devId: string,
    filter?: { userId?: string; grantId?: string; limit?: number; before?: { ms: number; id: string } },
  ): Promise<McpAuditEntry[]>;
}

/** A notification a provider pushed, stored verbatim before it was acknowledged. */
export interface ProviderNotification {
  notificationId: string;
  provider: string;
  /** The provider's identity of this delivery (or a hash of the body): a duplicate is stored once. */
  dedupeKey: string;
  contentType: string;
  /** The request headers the provider's parser needs (never Authorization or cookies). */
  headers: Record<string, string>;
  body: Buffer;
  status: 'pending' | 'processed' | 'failed';
  attempts: number;
  error: string | null;
  receivedAt: string;
  processedAt: string | null;
}

export interface ProviderNotificationRepo {
  /** Stores it unless its (provider, dedupe key) is already stored; `inserted` says which. */
  insert(input: {
    provider: string;
    dedupeKey: string;
    contentType: string;
    headers: Record<string, string>;
    body: Buffer;
  }): Promise<{ notificationId: string; inserted: boolean }>;
  get(notificationId: string): Promise<ProviderNotification | undefined>;
  /** Records one processing attempt: `processed`, or `failed` with the error (kept for replay). */
  finish(
    notificationId: string,
    outcome: { status: 'processed' | 'failed' | 'pending'; error?: string | null },
  ): Promise<void>;
  /** Pending notifications received before `beforeMs`, oldest first (re-queued after a crash). */
  pending(beforeMs: number, limit: number): Promise<ProviderNotification[]>;
  list(filter?: {
    provider?: string;
    status?: ProviderNotification['status'];
    limit?: number;
  }): Promise<ProviderNotification[]>;
  /**
   * The users, across developers, connected to this provider account: one notification
   * concerns every developer whose user connected that account through this server.
   */
  recipients(provider: string, providerUserId: string): Promise<{ devId: string; userId: string }[]>;
}

/** Named, expiring leases: one holder at a time across every process of the deployment. */
export interface LeaseRepo {
  /** Takes the lease for `ttlMs` if it is free, expired, or already this holder's; false otherwise. */
  acquire(name: string, holder: string, ttlMs: number, now?: number): Promise<boolean>;
  /** Frees it if this holder still has it. */
  release(name: string, holder: string): Promise<void>;
}

/**
 * Rate-limit counters shared by every process (issue 10 item 11): per limit name and key
 * (an address, a dev-id), a window that starts at its first hit and lasts `windowMs`.
 */
export interface RateLimitRepo {
  /** Counts one hit (a new window when the last one ended); the count and the window's start after it. */
  hit(name: string, key: string, now: number, windowMs: number): Promise<{ hits: number; windowStart: number }>;
  /** Forgets windows that started before `beforeMs`. */
  sweep(beforeMs: number): Promise<void>;
}

/** A provider application's request lanes: live data first, backfills with what is left to them. */
export type BudgetLane = 'live' | 'backfill';

/**
 * Request budgets of provider applications, per fixed window, shared by every process; and
 * the pause every process keeps after the provider answered 429.
 */
export interface ProviderBudgetRepo {
  /**
   * Counts one request of `lane` in the window starting at `windowStart`, if the window's
   * total stays within `total` and (backfill) the backfill lane within `backfill`; false
   * when it would not (nothing counted). Atomic across processes.
   */
  take(
    name: string,
    lane: BudgetLane,
    windowStart: number,
    limits: { total: number; backfill: number },
  ): Promise<boolean>;
  /** What the window used so far, per lane. */
  used(name: string, windowStart: number): Promise<{ live: number; backfill: number }>;
  /** Nobody calls the provider before `untilMs`; an earlier time never shortens a pause already set. */
  block(name: string, untilMs: number): Promise<void>;
  /** Epoch ms until which the provider is paused, or null. */
  blockedUntil(name: string): Promise<number | null>;
  /** Forgets windows that started before `beforeMs`. */
  sweep(name: string, beforeMs: number): Promise<void>;
}
