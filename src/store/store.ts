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
  readonly raw: RawRecordRepo;
  readonly records: RecordRepo;
  readonly events: EventRepo;
  readonly dataRequests: DataRequestRepo;
  /** Runs `fn` in one transaction: the store it receives writes atomically. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
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
  /** Deletes the user with its connection, records and raw data. */
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
  release(devId: string, userId: string): Promise<void>;
  delete(devId: string, userId: string): Promise<void>;
}

export interface RawRecordInput {
  userId: string;
  provider: string;
  dataType: DataType | string;
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
  undispatched(limit: number): Promise<StoredEvent[]>;
  markDispatched(eventIds: string[]): Promise<void>;
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
