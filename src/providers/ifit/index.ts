import { TributaryError } from '../../core/errors.ts';
import type { ConfiguredProvider, ProviderCapabilities, ProviderDefinition } from '../provider.ts';
import { IfitClient } from './ifit-client.ts';
import { ifitPasswordLogin, ifitPolling, ifitTokenRefresh } from './ifit-provider.ts';
import { ifitRawNormalizer } from './ifit-replay.ts';

/** A self-contained icon (no CDN, no static route): the iFit wordmark on its blue. */
const ICON =
  'data:image/svg+xml;utf8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0a6cff"/><text x="32" y="41" font-family="Helvetica,Arial,sans-serif" font-size="24" font-weight="700" text-anchor="middle" fill="#fff">iFit</text></svg>',
  );

export const IFIT_CAPABILITIES: ProviderCapabilities = {
  name: 'IFIT',
  displayName: 'iFit',
  icon: ICON,
  dataTypes: ['activity'],
  auth: 'password',
  sync: 'poll',
  historyDays: null,
  sdkOnly: false,
};

export interface IfitSettings {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  pollSeconds: number;
  backfillDays: number;
}

const PREFIX = 'TRIBUTARY_PROVIDER_IFIT_';

/** Reads `TRIBUTARY_PROVIDER_IFIT_*`; undefined unless both the client id and secret are set. */
export function ifitSettings(settings: Record<string, string>): IfitSettings | undefined {
  const clientId = settings.CLIENT_ID;
  const clientSecret = settings.CLIENT_SECRET;
  if (!clientId && !clientSecret) return undefined;
  if (!clientId || !clientSecret) {
    const missing = clientId ? 'CLIENT_SECRET' : 'CLIENT_ID';
    throw new TributaryError(
      'config_invalid',
      `${PREFIX}${missing} must be set together with ${PREFIX}${missing === 'CLIENT_ID' ? 'CLIENT_SECRET' : 'CLIENT_ID'}`,
      {
        variable: PREFIX + missing,
      },
    );
  }
  const baseUrl = settings.BASE_URL ?? 'https://api.ifit.com';
  if (!/^https?:\/\/[^\s/]+/.test(baseUrl)) {
    throw new TributaryError(
      'config_invalid',
      `${PREFIX}BASE_URL must be an http(s) URL (got ${JSON.stringify(baseUrl)})`,
      { variable: `${PREFIX}BASE_URL` },
    );
  }
  return {
    baseUrl,
    clientId,
    clientSecret,
    pollSeconds: positiveNumber(settings, 'POLL_SECONDS', 900),
    backfillDays: positiveNumber(settings, 'BACKFILL_DAYS', 30),
  };
}

function positiveNumber(settings: Record<string, string>, key: string, fallback: number): number {
  const text = settings[key];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0)) {
    throw new TributaryError(
      'config_invalid',
      `${PREFIX}${key} must be a positive number (got ${JSON.stringify(text)})`,
      { variable: PREFIX + key },
    );
  }
  return value;
}

export const IFIT: ProviderDefinition = {
  capabilities: IFIT_CAPABILITIES,
  settings: [
    {
      key: 'BASE_URL',
      description: "iFit's API (point it at the emulator for development)",
      default: 'https://api.ifit.com',
    },
    {
      key: 'CLIENT_ID',
      description: 'the OAuth client id',
      required: true,
    },
    { key: 'CLIENT_SECRET', description: 'the OAuth client secret', required: true, secret: true },
    { key: 'POLL_SECONDS', description: 'how often each connected user is polled', default: '900' },
    { key: 'BACKFILL_DAYS', description: 'how far back a new connection is fetched at once', default: '30' },
  ],
  setup: {
    kind: 'api_client',
    steps:
      "Obtain a client id and secret for iFit's API; users log in with their iFit email and password on Tributary's hosted form.",
  },
  rawNormalizer: ifitRawNormalizer,
  docs: 'Treadmill, bike and rower workouts from iFit (password login, polled), with samples and routes.',
  configure(settings): ConfiguredProvider | undefined {
    const parsed = ifitSettings(settings);
    if (!parsed) return undefined;
    const client = new IfitClient({
      baseUrl: parsed.baseUrl,
      clientId: parsed.clientId,
      clientSecret: parsed.clientSecret,
    });
    return {
      capabilities: IFIT_CAPABILITIES,
      passwordLogin: ifitPasswordLogin(client),
      tokenRefresh: ifitTokenRefresh(client),
      polling: ifitPolling(client, { intervalMs: parsed.pollSeconds * 1000, backfillDays: parsed.backfillDays }),
    };
  },
};
