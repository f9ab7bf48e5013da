import type { DataType, TerraRecord } from '../model/data-types.ts';

/**
 * The provider family contract. A provider folder (`providers/<name>/`) exports one
 * `ProviderDefinition`; core code reads its capabilities as data and never branches on a
 * provider's name.
 */
export type AuthKind = 'password' | 'oauth2' | 'mobile_sdk' | 'upload';
export type SyncKind = 'poll' | 'push' | 'upload';

export interface ProviderCapabilities {
  /** Terra's provider enum value, e.g. "IFIT", "APPLE", "UPLOAD". */
  name: string;
  displayName: string;
  /** Absolute URL or path of an icon for the widget and /integrations/detailed. */
  icon: string;
  dataTypes: readonly DataType[];
  auth: AuthKind;
  sync: SyncKind;
  /** How far back history can be fetched, in days; null = unlimited. */
  historyDays: number | null;
  /** Listed under `sdk_resource` in /v2/integrations (connected from a phone, not a browser). */
  sdkOnly: boolean;
}

/** Host facts a provider may need when configured. */
export interface ProviderEnvironment {
  publicUrl: string;
  /** The deployment's encryption key (hex), for providers that sign links handed to browsers (UPLOAD's page). */
  encryptionKeyHex?: string;
}

/**
 * One `TRIBUTARY_PROVIDER_<NAME>_<KEY>` variable a provider reads. The README tables and
 * the registry's check for misspelt variables derive from these declarations.
 */
export interface ProviderSetting {
  /** The part after `TRIBUTARY_PROVIDER_<NAME>_`, e.g. `CLIENT_ID`. */
  key: string;
  description: string;
  /** The value used when unset (documentation; `configure` applies it). */
  default?: string;
  /** The provider is offered only when every `required` setting is set. */
  required?: boolean;
  /** Never printed (client secrets, webhook secrets). */
  secret?: boolean;
}

/**
 * What the operator does before users can connect: nothing (`none`), obtain API client
 * credentials (`api_client`), or register an OAuth application at the provider with
 * Tributary's callback (and webhook) URLs (`oauth_app`).
 */
export interface ProviderSetup {
  kind: 'none' | 'api_client' | 'oauth_app';
  /** Short operator instructions (README, dashboard). */
  steps: string;
}

export interface ProviderDefinition<Configured extends ConfiguredProvider = ConfiguredProvider> {
  capabilities: ProviderCapabilities;
  /** Every `TRIBUTARY_PROVIDER_<NAME>_*` variable it reads; others are refused as misspelt. */
  settings: readonly ProviderSetting[];
  setup: ProviderSetup;
  /** One paragraph: what the provider brings in and how (README, docs). */
  docs: string;
  /**
   * Builds the provider from its `TRIBUTARY_PROVIDER_<NAME>_*` settings (keys without the
   * prefix, e.g. CLIENT_ID). Returns undefined when the operator has not configured it;
   * throws a `config_invalid` TributaryError naming the variable when a value is invalid.
   */
  configure(settings: Record<string, string>, environment: ProviderEnvironment): Configured | undefined;
  /**
   * Rebuilds records from stored raw payloads alone (`tributary replay`): pure, no network,
   * no configuration needed. Absent when the provider's records do not come from its raw rows.
   */
  rawNormalizer?: RawNormalizer;
}

/** A raw payload as stored (`raw_records`), as a normalizer reads it. */
export interface StoredRaw {
  dataType: string;
  externalId: string;
  contentType: string;
  body: Buffer;
}

/**
 * Normalizing as a pure function of stored raw data. A primary payload (its `dataType` is
 * listed) normalizes to records of that data type; further payloads it was built from (an
 * iFit library workout) are read through `related` by their external id.
 */
export interface RawNormalizer {
  /** The raw `data_type`s that yield records; each is a Terra `DataType`. Others are related payloads only. */
  dataTypes: readonly DataType[];
  /** Throws on a payload it cannot read (replay counts it as failed and logs it). */
  normalize(raw: StoredRaw, related: (externalId: string) => Promise<StoredRaw | undefined>): Promise<TerraRecord[]>;
}

/** A provider ready to use. Auth- and sync-specific operations live on sub-interfaces (see auth/ and ingest/). */
export interface ConfiguredProvider {
  capabilities: ProviderCapabilities;
  /**
   * For `upload` providers: the hosted page (under the public URL) where the user adds
   * data; `authenticateUser` returns it as `auth_url` for a user it created connected.
   */
  hostedConnectUrl?(user: { devId: string; userId: string }): string;
  /** For `password` providers: exchanges the user's login for tokens (auth/ connect flow). */
  passwordLogin?: PasswordLogin;
  /** For providers whose access tokens expire: renews them (ingest/ keeps one refresh in flight per connection). */
  tokenRefresh?: TokenRefresh;
  /** For `poll` providers: how to fetch data and how often (ingest/ schedules it). */
  polling?: Polling;
  /** For `push` providers whose history is asked for and then pushed (Garmin's backfill). */
  backfill?: BackfillRequests;
  /** For `oauth2` providers: the authorization-code grant (auth/ runs state, PKCE and the callback). */
  oauth2?: OAuth2Connect;
  /** Revokes the grant at the provider when the user is deauthenticated; absent when it cannot. */
  revokeAccess?(credentials: TokenSet): Promise<void>;
  /** For providers that push notifications to `/providers/<name>/webhook`. */
  webhooks?: ProviderWebhooks;
  /** For providers whose webhook subscriptions are managed through their API (and may expire). */
  subscriptions?: ProviderSubscriptions;
  /**
   * The provider application's request limit, shared by every user and process (ingest keeps
   * the budget, with a live and a backfill lane). Absent: not counted (a 429 still pauses).
   */
  rateLimit?: { requests: number; windowSeconds: number };
}

/** A webhook subscription as the provider reports it. */
export interface ProviderSubscription {
  id: string;
  dataType: string;
  eventType: string;
  callbackUrl: string;
  /** ISO time; null = does not expire. */
  expiresAt: string | null;
}

/** Subscription management at the provider (app credentials, not a user's). ingest/ reconciles. */
export interface ProviderSubscriptions {
  /** The (data type, event type) pairs Tributary wants delivered. */
  wanted: readonly { dataType: string; eventType: string }[];
  list(): Promise<ProviderSubscription[]>;
  /** The provider verifies the callback (handshake) before it answers. */
  create(input: { dataType: string; eventType: string; callbackUrl: string }): Promise<ProviderSubscription>;
  renew(id: string): Promise<ProviderSubscription>;
}

/** One HTTP request to `/providers/<name>/webhook`, with the exact bytes of its body. */
export interface WebhookRequest {
  method: 'GET' | 'HEAD' | 'POST';
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  rawBody: Buffer;
}

/** What a stored notification announces, parsed when it is processed (not when it arrives). */
export type WebhookNotice =
  | {
      kind: 'data';
      providerUserId: string;
      /** The provider's data type name (e.g. Oura's `sleep`, `daily_activity`). */
      dataType: string;
      objectId: string | null;
      eventType: 'create' | 'update' | 'delete';
    }
  /** The user removed the app at the provider → Terra's `access_revoked`. */
  | { kind: 'deregistration'; providerUserId: string }
  /** The user changed what they share → Terra's `permission_change`. */
  | { kind: 'permission_change'; providerUserId: string; permissions: string[] }
  /** Push mode: the data itself came in the notification (`payload`, one item of it). */
  | { kind: 'push'; providerUserId: string; dataType: string; payload: unknown }
  /**
   * Ping mode: the data waits at `callbackUrl`. ingest fetches it (GET, the user's Bearer
   * token) only when the URL lies under the provider's `callbackBase` (no SSRF), then hands
   * the answer to `received`.
   */
  | { kind: 'ping'; providerUserId: string; dataType: string; callbackUrl: string };

/** The result of fetching what a notice announced: items to store, and records the provider deleted. */
export interface WebhookFetched {
  items: PolledItem[];
  /**
   * Payloads that are one part of a stored payload (a day built from several summaries):
   * ingest merges each into the newest stored version, one merge at a time per payload.
   */
  merges?: MergedItem[];
  /**
   * Records the provider no longer has. `externalId` names the raw payload they came from:
   * ingest stores a tombstone under it, so a replay does not bring them back.
   */
  deleted: { type: DataType; keys: string[]; externalId?: string }[];
}

/**
 * One part of a stored payload. `merge` is pure: given the newest stored body (undefined:
 * none yet) it returns the new body and the records normalized from it, or undefined when
 * the stored body already holds this part or a newer version of it (a duplicate or a late,
 * out-of-order notification): then nothing is stored and nothing is announced.
 */
export interface MergedItem {
  type: DataType;
  externalId: string;
  contentType: string;
  merge(previous: Buffer | undefined): { body: string; records: TerraRecord[] } | undefined;
}

/**
 * Provider notifications in. ingest/ stores each verified delivery verbatim before it
 * acknowledges it, then processes it from the queue: `parse`, then `fetch` per notice
 * with the user's tokens. Fetching the announced object by id at processing time makes
 * out-of-order and duplicate notices harmless: the provider's current state is what is stored.
 */
export interface ProviderWebhooks {
  /** The methods the provider calls the webhook with (others: 405). */
  methods: readonly WebhookRequest['method'][];
  /** A verification request (e.g. Oura's GET challenge), answered at once, nothing stored; undefined = not one. */
  handshake?(request: WebhookRequest): { status: number; body: unknown } | undefined;
  /** Whether the delivery really comes from the provider (signature); false → 401, nothing stored. */
  verify(request: WebhookRequest): boolean;
  /** The delivery's identity: a redelivery of the same notification has the same key. */
  dedupeKey(request: WebhookRequest): string;
  /** Request headers stored with the body (the ones `parse` needs). */
  keptHeaders: readonly string[];
  /** Throws on a payload it cannot read (kept raw, marked failed). */
  parse(body: Buffer, headers: Record<string, string>): WebhookNotice[];
  fetch(notice: Extract<WebhookNotice, { kind: 'data' }>, withAccess: WithAccess): Promise<WebhookFetched>;
  /**
   * Push and ping modes: what to store from data the provider sent — a push notice's
   * `payload`, or the parsed answer of a ping's callback. Pure; throws on data it cannot read.
   */
  received?(dataType: string, data: unknown): WebhookFetched;
  /**
   * Ping mode: the provider's API base (its configured `BASE_URL`). A callback URL is
   * fetched only when it has this origin and lies under this path; any other is refused.
   */
  callbackBase?: string;
}

/**
 * `oauth2` auth kind: authorization code with PKCE (S256) and `state`. auth/ owns the
 * state, the verifier and the callback `TRIBUTARY_PUBLIC_URL/oauth/<name>/callback`; the
 * provider builds its authorize URL and exchanges the code.
 */
export interface OAuth2Connect {
  authorizeUrl(request: { state: string; codeChallenge: string; redirectUri: string }): string;
  /**
   * Exchanges the code for tokens and identifies the account. `grantedScope` is the
   * `scope` the provider put on the callback, if any. A refused code throws
   * `provider_auth_failed` (`details.reason = 'invalid_grant'`).
   */
  exchange(request: {
    code: string;
    codeVerifier: string;
    redirectUri: string;
    grantedScope: string | null;
  }): Promise<ProviderAccount>;
}

/**
 * A connection's tokens as stored (sealed) in `connections.credentials`. Providers that
 * need more keep it in `extra`.
 */
export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms when the access token expires; null = unknown (refreshed only on a 401). */
  expiresAt: number | null;
  extra?: Record<string, unknown>;
}

/** The provider account a login connected: its tokens and the provider's stable user id. */
export interface ProviderAccount {
  credentials: TokenSet;
  /** The provider's user id: reconnecting the same account is detected by it (user_reauth). */
  providerUserId: string;
  scopes: string | null;
}

/**
 * `password` auth kind: the user types their provider login into Tributary's hosted form;
 * it is exchanged once for tokens and never stored. Wrong credentials throw a
 * `provider_auth_failed` TributaryError with `details.reason = 'invalid_credentials'`.
 */
export interface PasswordLogin {
  login(username: string, password: string): Promise<ProviderAccount>;
}

/**
 * Token renewal. A refresh the provider rejects for good (revoked, expired) throws
 * `provider_auth_failed` with `details.reason = 'invalid_grant'`; an access token the
 * provider rejects on an API call throws `provider_auth_failed` with
 * `details.reason = 'access_token_rejected'` (ingest then refreshes once and retries).
 */
export interface TokenRefresh {
  /** Returns the new token set; a provider that rotates refresh tokens returns the new one. */
  refresh(credentials: TokenSet): Promise<TokenSet>;
}

/** Runs a provider call with a valid access token (refreshing first or on rejection). */
export type WithAccess = <T>(call: (credentials: TokenSet) => Promise<T>) => Promise<T>;

/** One provider payload and the records normalized from it, ready for `storeRecords`. */
export interface PolledItem {
  type: DataType;
  /** Start of the item, epoch ms: ingest advances its cursor with it. */
  startMs: number;
  raw: { externalId: string; contentType: string; body: string | Buffer };
  /** Further payloads the records were built from (e.g. a library workout), stored verbatim too. */
  related?: { dataType: string; externalId: string; contentType: string; body: string | Buffer }[];
  records: TerraRecord[];
  /** Why a payload gave no records (it failed the provider's schema): stored raw all the same, and ingest logs this. */
  problem?: string;
}

/**
 * `poll` sync kind. Rate limits surface as `rate_limited` TributaryErrors with
 * `details.retry_after_seconds`; ingest reschedules the connection accordingly.
 */
export interface Polling {
  /** How often each connected user is polled. */
  intervalMs: number;
  /** How far back a new connection is backfilled. */
  backfillDays: number;
  /**
   * Items that started after `sinceMs` (and before `untilMs` when given). Items for which
   * `known(externalId)` is true are already stored: a provider skips fetching their details.
   */
  fetch(
    withAccess: WithAccess,
    window: { sinceMs: number; untilMs?: number; known?: (externalId: string) => Promise<boolean> },
  ): AsyncIterable<PolledItem>;
}

/**
 * History by request (`push` providers): the provider is asked to send what was recorded in a
 * window, and the data then arrives through its notifications like new data. ingest asks for
 * a new connection's `backfillDays` at once, and for older periods when a read needs them.
 * Failures surface as for polling (`rate_limited`, `provider_auth_failed`…); asking again for
 * a window already asked for must succeed (the provider's duplicate answer is not an error).
 */
export interface BackfillRequests {
  backfillDays: number;
  request(withAccess: WithAccess, window: { sinceMs: number; untilMs: number }): Promise<void>;
}
