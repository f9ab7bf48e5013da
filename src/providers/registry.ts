import { appleProvider } from './apple/index.ts';
import { GARMIN } from './garmin/index.ts';
import { IFIT } from './ifit/index.ts';
import { OURA } from './oura/index.ts';
import type { ConfiguredProvider, ProviderDefinition, ProviderEnvironment } from './provider.ts';
import { checkDeclared } from './settings.ts';
import { UPLOAD } from './upload/index.ts';
import { WHOOP } from './whoop/index.ts';

/**
 * Every provider Tributary knows. The only module that imports provider folders: add a
 * provider by adding its definition here.
 */
export const PROVIDER_DEFINITIONS: readonly ProviderDefinition[] = [IFIT, OURA, WHOOP, GARMIN, appleProvider, UPLOAD];

export interface ProviderRegistry {
  /** Providers the operator configured, in definition order. */
  list(): ConfiguredProvider[];
  /** A configured provider by its Terra name (case-insensitive), or undefined. */
  get(name: string): ConfiguredProvider | undefined;
}

export function createProviderRegistry(
  settingsByProvider: Record<string, Record<string, string>>,
  environment: ProviderEnvironment,
  definitions: readonly ProviderDefinition[] = PROVIDER_DEFINITIONS,
): ProviderRegistry {
  const configured = new Map<string, ConfiguredProvider>();
  for (const definition of definitions) {
    const settings = settingsByProvider[definition.capabilities.name.toLowerCase()] ?? {};
    checkDeclared(definition, settings);
    const provider = definition.configure(settings, environment);
    if (provider) configured.set(definition.capabilities.name, provider);
  }
  return {
    list: () => [...configured.values()],
    get: (name) => configured.get(name.toUpperCase()),
  };
}
