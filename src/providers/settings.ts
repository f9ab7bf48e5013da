import { TributaryError } from '../core/errors.ts';
import type { ProviderDefinition } from './provider.ts';

/**
 * Readers for `TRIBUTARY_PROVIDER_<NAME>_<KEY>` values, shared by every provider's
 * `configure`. Each failure is a `config_invalid` error naming the variable.
 */
export function variableName(provider: string, key: string): string {
  return `TRIBUTARY_PROVIDER_${provider.toUpperCase()}_${key}`;
}

/**
 * True when every key is set, false when none is (the provider is not configured); a
 * partial set names the missing variable.
 */
export function allOrNone(provider: string, settings: Record<string, string>, keys: readonly string[]): boolean {
  const set = keys.filter((key) => settings[key] !== undefined && settings[key] !== '');
  if (set.length === 0) return false;
  const missing = keys.find((key) => !set.includes(key));
  if (missing === undefined) return true;
  throw new TributaryError(
    'config_invalid',
    `${variableName(provider, missing)} must be set together with ${set.map((key) => variableName(provider, key)).join(' and ')}`,
    { variable: variableName(provider, missing) },
  );
}

/** An http(s) base URL without a trailing slash. */
export function urlSetting(provider: string, settings: Record<string, string>, key: string, fallback: string): string {
  const value = settings[key] ?? fallback;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new TributaryError(
      'config_invalid',
      `${variableName(provider, key)} must be an http(s) URL (got ${JSON.stringify(value)})`,
      { variable: variableName(provider, key) },
    );
  return value.replace(/\/+$/, '');
}

export function positiveNumberSetting(
  provider: string,
  settings: Record<string, string>,
  key: string,
  fallback: number,
): number {
  const text = settings[key];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0))
    throw new TributaryError(
      'config_invalid',
      `${variableName(provider, key)} must be a positive number (got ${JSON.stringify(text)})`,
      { variable: variableName(provider, key) },
    );
  return value;
}

/** Refuses variables the provider does not declare (a misspelt `_CLIENT_SECRT` must not pass silently). */
export function checkDeclared(definition: ProviderDefinition, settings: Record<string, string>): void {
  const declared = new Set(definition.settings.map((setting) => setting.key));
  for (const key of Object.keys(settings)) {
    if (declared.has(key)) continue;
    const name = definition.capabilities.name;
    const known = [...declared].map((k) => variableName(name, k)).join(', ') || '(none)';
    throw new TributaryError(
      'config_invalid',
      `${variableName(name, key)} is not a setting of ${definition.capabilities.displayName}; it reads: ${known}`,
      { variable: variableName(name, key) },
    );
  }
}

/** A request limit written `REQUESTS/SECONDS` (e.g. `5000/300`: 5000 requests per 5 minutes). */
export function rateLimitSetting(
  provider: string,
  settings: Record<string, string>,
  key: string,
  fallback: string,
): { requests: number; windowSeconds: number } {
  const text = (settings[key] ?? fallback).trim();
  const match = /^(\d+)\s*\/\s*(\d+)$/.exec(text);
  const requests = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || !(requests > 0) || !(windowSeconds > 0))
    throw new TributaryError(
      'config_invalid',
      `${variableName(provider, key)} must be REQUESTS/SECONDS, e.g. ${fallback} (got ${JSON.stringify(text)})`,
      { variable: variableName(provider, key) },
    );
  return { requests, windowSeconds };
}
