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

export interface ProviderDefinition<Configured extends ConfiguredProvider = ConfiguredProvider> {
  capabilities: ProviderCapabilities;
  /**
   * Builds the provider from its `TRIBUTARY_PROVIDER_<NAME>_*` settings (keys without the
   * prefix, e.g. CLIENT_ID). Returns undefined when the operator has not configured it;
   * throws a `config_invalid` TributaryError naming the variable when a value is invalid.
   */
  configure(settings: Record<string, string>, environment: ProviderEnvironment): Configured | undefined;
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
