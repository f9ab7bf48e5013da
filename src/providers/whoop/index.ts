import { z } from 'zod';
import { isTributaryError, TributaryError } from '../../core/errors.ts';
import { OAuth2Client } from '../oauth2/index.ts';
import type { ConfiguredProvider, ProviderCapabilities, ProviderDefinition, TokenSet } from '../provider.ts';
import { allOrNone, positiveNumberSetting, rateLimitSetting, urlSetting } from '../settings.ts';
import { WhoopClient } from './whoop-client.ts';
import { PROFILE_PATH, whoopPolling } from './whoop-polling.ts';
import { whoopRawNormalizer } from './whoop-replay.ts';
import { whoopWebhooks } from './whoop-webhooks.ts';

/** A self-contained icon: a WHOOP-style band on black. */
const ICON =
  'data:image/svg+xml;utf8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#000"/><path d="M14 22l7 20 6-14 5 14 5-14 6 14 7-20" fill="none" stroke="#fff" stroke-width="4" stroke-linejoin="round"/></svg>',
  );

export const WHOOP_CAPABILITIES: ProviderCapabilities = {
  name: 'WHOOP',
  displayName: 'WHOOP',
  icon: ICON,
  dataTypes: ['activity', 'athlete', 'body', 'daily', 'sleep'],
  auth: 'oauth2',
  sync: 'poll',
  historyDays: null,
  sdkOnly: false,
};

/** Every read scope of WHOOP's API v2, and `offline` (without it WHOOP issues no refresh token). */
export const WHOOP_DEFAULT_SCOPES =
  'offline read:recovery read:cycles read:workout read:sleep read:profile read:body_measurement';

/** WHOOP's default application limit: 100 requests per minute (and 10 000 per day). */
const WHOOP_RATE_LIMIT = '100/60';
const DEFAULT_BASE_URL = 'https://api.prod.whoop.com/developer';
const DEFAULT_AUTH_BASE_URL = 'https://api.prod.whoop.com';

const profile = z.object({ user_id: z.union([z.number().int(), z.string().min(1)]) }).passthrough();

export const WHOOP: ProviderDefinition = {
  capabilities: WHOOP_CAPABILITIES,
  settings: [
    {
      key: 'CLIENT_ID',
      description: 'client id of your WHOOP app',
      required: true,
    },
    {
      key: 'CLIENT_SECRET',
      description: 'its client secret; WHOOP also signs its webhooks with it (no other webhook secret)',
      required: true,
      secret: true,
    },
    { key: 'BASE_URL', description: "WHOOP's developer API", default: DEFAULT_BASE_URL },
    {
      key: 'AUTH_BASE_URL',
      description: "WHOOP's OAuth host (authorize page and token endpoint)",
      default: DEFAULT_AUTH_BASE_URL,
    },
    {
      key: 'SCOPES',
      description: 'scopes requested, space-separated (`offline` is what makes WHOOP issue a refresh token)',
      default: WHOOP_DEFAULT_SCOPES,
    },
    {
      key: 'POLL_SECONDS',
      description:
        'how often each connected user is polled: cycle strain comes only this way, webhooks bring sleeps, workouts and recoveries sooner; a poll costs about six requests per user, so size it to the 10 000 a day WHOOP allows',
      default: '21600',
    },
    { key: 'BACKFILL_DAYS', description: 'how far back a new connection is fetched at once', default: '30' },
    {
      key: 'RATE_LIMIT',
      description:
        "your app's request limit, REQUESTS/SECONDS, shared by every worker; backfills get at most half of each window (WHOOP's daily cap of 10 000 is not counted)",
      default: WHOOP_RATE_LIMIT,
    },
  ],
  setup: {
    kind: 'oauth_app',
    steps:
      'Create an app at https://developer-dashboard.whoop.com with the redirect URL TRIBUTARY_PUBLIC_URL/oauth/whoop/callback and the webhook URL TRIBUTARY_PUBLIC_URL/providers/whoop/webhook (model version v2), then set the client id and secret.',
  },
  rawNormalizer: whoopRawNormalizer,
  docs: 'WHOOP (API v2, OAuth2, signed webhooks): cycles with recovery (strain, recovery score, resting HR, HRV) as daily, sleeps, workouts, body measurements and profile.',
  configure(settings): ConfiguredProvider | undefined {
    if (!allOrNone('WHOOP', settings, ['CLIENT_ID', 'CLIENT_SECRET'])) return undefined;
    const baseUrl = urlSetting('WHOOP', settings, 'BASE_URL', DEFAULT_BASE_URL);
    const authBaseUrl = urlSetting('WHOOP', settings, 'AUTH_BASE_URL', DEFAULT_AUTH_BASE_URL);
    const pollSeconds = positiveNumberSetting('WHOOP', settings, 'POLL_SECONDS', 21_600);
    const backfillDays = positiveNumberSetting('WHOOP', settings, 'BACKFILL_DAYS', 30);
    const rateLimit = rateLimitSetting('WHOOP', settings, 'RATE_LIMIT', WHOOP_RATE_LIMIT);
    const scopes = (settings.SCOPES ?? WHOOP_DEFAULT_SCOPES).split(/[\s,]+/).filter(Boolean);
    const oauth = new OAuth2Client({
      provider: 'WHOOP',
      displayName: 'WHOOP',
      authorizeUrl: `${authBaseUrl}/oauth/oauth2/auth`,
      tokenUrl: `${authBaseUrl}/oauth/oauth2/token`,
      clientId: settings.CLIENT_ID,
      clientSecret: settings.CLIENT_SECRET,
      scopes,
      // WHOOP's refresh grant names the offline scope again (its OAuth guide).
      refreshParams: { scope: 'offline' },
    });
    const api = new WhoopClient({ baseUrl });
    return {
      capabilities: WHOOP_CAPABILITIES,
      oauth2: {
        authorizeUrl: (request) => oauth.authorizeUrl(request),
        async exchange(request) {
          const { tokens, scope } = await oauth.exchangeCode(request);
          const info = profile.safeParse((await api.get(tokens.accessToken, PROFILE_PATH)).value);
          if (!info.success)
            throw new TributaryError('provider_error', 'WHOOP profile carries no user_id', { provider: 'WHOOP' });
          const granted = (scope ?? request.grantedScope ?? scopes.join(' ')).split(/[\s,]+/).filter(Boolean);
          return { credentials: tokens, providerUserId: String(info.data.user_id), scopes: granted.join(',') };
        },
      },
      polling: whoopPolling(api, { intervalMs: pollSeconds * 1000, backfillDays }),
      rateLimit,
      webhooks: whoopWebhooks({ client: api, clientSecret: settings.CLIENT_SECRET }),
      tokenRefresh: { refresh: (credentials) => oauth.refresh(credentials) },
      async revokeAccess(credentials: TokenSet) {
        // DELETE /v2/user/access needs a live access token: an expired or rejected one is refreshed first.
        const expired = credentials.expiresAt !== null && credentials.expiresAt <= Date.now();
        try {
          if (!expired) return await api.revoke(credentials.accessToken);
        } catch (error) {
          if (!(isTributaryError(error) && error.details.reason === 'access_token_rejected')) throw error;
        }
        let fresh: TokenSet;
        try {
          fresh = await oauth.refresh(credentials);
        } catch (error) {
          // A refresh token WHOOP refuses means the grant is already gone.
          if (isTributaryError(error) && error.details.reason === 'invalid_grant') return;
          throw error;
        }
        await api.revoke(fresh.accessToken);
      },
    };
  },
};
