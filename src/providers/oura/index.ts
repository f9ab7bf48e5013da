import { z } from 'zod';
import { TributaryError } from '../../core/errors.ts';
import { OAuth2Client } from '../oauth2/index.ts';
import type { ConfiguredProvider, ProviderCapabilities, ProviderDefinition, TokenSet } from '../provider.ts';
import { allOrNone, positiveNumberSetting, rateLimitSetting, urlSetting } from '../settings.ts';
import { OuraClient } from './oura-client.ts';
import { ouraPolling } from './oura-polling.ts';
import { ouraWebhooks } from './oura-webhooks.ts';
import { ouraSubscriptions } from './oura-subscriptions.ts';
import { ouraRawNormalizer } from './oura-replay.ts';

/** A self-contained icon: Oura's ring on black. */
const ICON =
  'data:image/svg+xml;utf8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#101820"/><circle cx="32" cy="34" r="15" fill="none" stroke="#fff" stroke-width="4"/><rect x="24" y="13" width="16" height="4" rx="2" fill="#fff"/></svg>',
  );

export const OURA_CAPABILITIES: ProviderCapabilities = {
  name: 'OURA',
  displayName: 'Oura',
  icon: ICON,
  dataTypes: ['activity', 'athlete', 'daily', 'sleep'],
  auth: 'oauth2',
  sync: 'poll',
  historyDays: null,
  sdkOnly: false,
};

/** Every scope Oura's API v2 defines (OpenAPI securitySchemes). */
export const OURA_DEFAULT_SCOPES = 'email personal daily heartrate workout session spo2Daily';

/** Oura's documented application limit: 5000 requests per 5 minutes. */
const OURA_RATE_LIMIT = '5000/300';

const personalInfo = z.object({ id: z.string().min(1) }).passthrough();

export const OURA: ProviderDefinition = {
  capabilities: OURA_CAPABILITIES,
  settings: [
    {
      key: 'CLIENT_ID',
      description: 'client id of your Oura application',
      required: true,
    },
    {
      key: 'CLIENT_SECRET',
      description: 'its client secret; it also signs Oura webhooks',
      required: true,
      secret: true,
    },
    { key: 'BASE_URL', description: "Oura's API (token endpoint and data)", default: 'https://api.ouraring.com' },
    {
      key: 'AUTH_BASE_URL',
      description: "host of Oura's authorize page (both may point at the emulator)",
      default: 'https://cloud.ouraring.com',
    },
    { key: 'SCOPES', description: 'scopes requested, space-separated', default: OURA_DEFAULT_SCOPES },
    {
      key: 'WEBHOOK_VERIFICATION_TOKEN',
      description: 'enables `/providers/oura/webhook`; the `verification_token` of your subscriptions',
      secret: true,
    },
    { key: 'POLL_SECONDS', description: 'how often each connected user is polled', default: '3600' },
    { key: 'BACKFILL_DAYS', description: 'how far back a new connection is fetched at once', default: '30' },
    {
      key: 'RATE_LIMIT',
      description:
        "your application's request limit, `REQUESTS/SECONDS`, shared by every worker; backfills get at most half of each window",
      default: OURA_RATE_LIMIT,
    },
  ],
  setup: {
    kind: 'oauth_app',
    steps:
      'Create an application at https://cloud.ouraring.com/oauth/applications with the redirect URI TRIBUTARY_PUBLIC_URL/oauth/oura/callback, then set the client id and secret.',
  },
  rawNormalizer: ouraRawNormalizer,
  docs: 'Oura ring (API v2, OAuth2): sleep periods with stages and HR/HRV series, daily activity, readiness and SpO2, workouts, heart rate, personal info.',
  configure(settings): ConfiguredProvider | undefined {
    if (!allOrNone('OURA', settings, ['CLIENT_ID', 'CLIENT_SECRET'])) return undefined;
    const baseUrl = urlSetting('OURA', settings, 'BASE_URL', 'https://api.ouraring.com');
    const authBaseUrl = urlSetting('OURA', settings, 'AUTH_BASE_URL', 'https://cloud.ouraring.com');
    const pollSeconds = positiveNumberSetting('OURA', settings, 'POLL_SECONDS', 3600);
    const backfillDays = positiveNumberSetting('OURA', settings, 'BACKFILL_DAYS', 30);
    const rateLimit = rateLimitSetting('OURA', settings, 'RATE_LIMIT', OURA_RATE_LIMIT);
    const scopes = (settings.SCOPES ?? OURA_DEFAULT_SCOPES).split(/[\s,]+/).filter(Boolean);
    const oauth = new OAuth2Client({
      provider: 'OURA',
      displayName: 'Oura',
      authorizeUrl: `${authBaseUrl}/oauth/authorize`,
      tokenUrl: `${baseUrl}/oauth/token`,
      clientId: settings.CLIENT_ID,
      clientSecret: settings.CLIENT_SECRET,
      scopes,
    });
    const api = new OuraClient({ baseUrl });
    const polling = ouraPolling(api, { intervalMs: pollSeconds * 1000, backfillDays });
    const verificationToken = settings.WEBHOOK_VERIFICATION_TOKEN;
    return {
      capabilities: OURA_CAPABILITIES,
      oauth2: {
        authorizeUrl: (request) => oauth.authorizeUrl(request),
        async exchange(request) {
          const { tokens, scope } = await oauth.exchangeCode(request);
          const info = personalInfo.safeParse(
            (await api.get(tokens.accessToken, '/v2/usercollection/personal_info')).value,
          );
          if (!info.success)
            throw new TributaryError('provider_error', 'Oura personal_info carries no user id', { provider: 'OURA' });
          // RFC 6749: the token response names the scope only when it differs from the request.
          const granted = (scope ?? request.grantedScope ?? scopes.join(' ')).split(/[\s,]+/).filter(Boolean);
          return { credentials: tokens, providerUserId: info.data.id, scopes: granted.join(',') };
        },
      },
      polling,
      rateLimit,
      ...(verificationToken
        ? {
            webhooks: ouraWebhooks({ client: api, clientSecret: settings.CLIENT_SECRET, verificationToken, polling }),
            subscriptions: ouraSubscriptions({
              baseUrl,
              clientId: settings.CLIENT_ID,
              clientSecret: settings.CLIENT_SECRET,
              verificationToken,
            }),
          }
        : {}),
      tokenRefresh: { refresh: (credentials) => oauth.refresh(credentials) },
      async revokeAccess(credentials: TokenSet) {
        // Oura's revoke takes the access token in the query (open-wearables' client; not in Oura's OpenAPI).
        const response = await oauth.postForm(
          `${baseUrl}/oauth/revoke?access_token=${encodeURIComponent(credentials.accessToken)}`,
          {},
        );
        if (!response.ok && response.status !== 401)
          throw new TributaryError('provider_error', `Oura revoke answered ${response.status}`, { provider: 'OURA' });
      },
    };
  },
};
