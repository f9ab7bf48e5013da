import type { DataType } from '../model/data-types.ts';

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
}
