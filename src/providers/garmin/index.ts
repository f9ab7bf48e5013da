import { TributaryError } from '../../core/errors.ts';
import { OAuth2Client } from '../oauth2/index.ts';
import type { ConfiguredProvider, ProviderCapabilities, ProviderDefinition, TokenSet } from '../provider.ts';
import { allOrNone, positiveNumberSetting, urlSetting } from '../settings.ts';
import { garminBackfill } from './garmin-backfill.ts';
import { GarminClient } from './garmin-client.ts';
import { garminRawNormalizer } from './garmin-replay.ts';
import { garminWebhooks } from './garmin-webhooks.ts';

/** A self-contained icon: Garmin's delta on blue. */
const ICON =
  'data:image/svg+xml;utf8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#007cc3"/><path d="M32 14 50 48H14Z" fill="none" stroke="#fff" stroke-width="5" stroke-linejoin="round"/></svg>',
  );

export const GARMIN_CAPABILITIES: ProviderCapabilities = {
  name: 'GARMIN',
  displayName: 'Garmin',
  icon: ICON,
  dataTypes: ['activity', 'body', 'daily', 'menstruation', 'sleep'],
  auth: 'oauth2',
  sync: 'push',
  historyDays: null,
  sdkOnly: false,
};

const API = 'https://apis.garmin.com';
const AUTHORIZE_HOST = 'https://connect.garmin.com';
const TOKEN_HOST = 'https://diauth.garmin.com';
const TOKEN_PATH = '/di-oauth2-service/oauth/token';
export const USER_ID_PATH = '/wellness-api/rest/user/id';
export const PERMISSIONS_PATH = '/wellness-api/rest/user/permissions';
export const REGISTRATION_PATH = '/wellness-api/rest/user/registration';

export const GARMIN: ProviderDefinition = {
  capabilities: GARMIN_CAPABILITIES,
  settings: [
    {
      key: 'CLIENT_ID',
      description:
        'consumer key of your Garmin Connect Developer Program application; GARMIN is offered only when this and the secret are set',
      required: true,
    },
    { key: 'CLIENT_SECRET', description: 'its consumer secret', required: true, secret: true },
    { key: 'BASE_URL', description: "Garmin's API (user endpoints, backfill, ping callbacks)", default: API },
    {
      key: 'AUTH_BASE_URL',
      description: `Garmin's OAuth2 host: the authorize page (${AUTHORIZE_HOST}/oauth2Confirm) and, when set, the token endpoint too (${TOKEN_PATH}; default ${TOKEN_HOST})`,
      default: AUTHORIZE_HOST,
    },
    {
      key: 'BACKFILL_DAYS',
      description:
        "how far back a new connection's history is requested from Garmin's backfill API (it then arrives by push or ping)",
      default: '30',
    },
  ],
  setup: {
    kind: 'oauth_app',
    steps:
      'In the Garmin Connect Developer Program, create an application (OAuth2 PKCE) with the redirect URI TRIBUTARY_PUBLIC_URL/oauth/garmin/callback; in the Endpoint Configuration tool point every summary type you want (push or ping) and the deregistration and user permission endpoints at TRIBUTARY_PUBLIC_URL/providers/garmin/webhook; then set the consumer key and secret.',
  },
  rawNormalizer: garminRawNormalizer,
  docs: 'Garmin Connect (Health, Activity and Women’s Health APIs, OAuth2 PKCE): dailies and epochs, sleeps, activities with details, body composition and blood pressure, stress, pulse ox, HRV, user metrics and menstrual cycle tracking, pushed or pinged by Garmin.',
  configure(settings): ConfiguredProvider | undefined {
    if (!allOrNone('GARMIN', settings, ['CLIENT_ID', 'CLIENT_SECRET'])) return undefined;
    const baseUrl = urlSetting('GARMIN', settings, 'BASE_URL', API);
    const authBaseUrl = urlSetting('GARMIN', settings, 'AUTH_BASE_URL', AUTHORIZE_HOST);
    const tokenUrl = `${settings.AUTH_BASE_URL ? authBaseUrl : TOKEN_HOST}${TOKEN_PATH}`;
    const oauth = new OAuth2Client({
      provider: 'GARMIN',
      displayName: 'Garmin',
      authorizeUrl: `${authBaseUrl}/oauth2Confirm`,
      tokenUrl,
      clientId: settings.CLIENT_ID,
      clientSecret: settings.CLIENT_SECRET,
      // Garmin's scope is fixed per application; users toggle permissions on the consent screen.
      scopes: [],
    });
    const api = new GarminClient({ baseUrl });
    const backfillDays = positiveNumberSetting('GARMIN', settings, 'BACKFILL_DAYS', 30);
    return {
      capabilities: GARMIN_CAPABILITIES,
      oauth2: {
        authorizeUrl: (request) => oauth.authorizeUrl(request),
        async exchange(request) {
          const { tokens } = await oauth.exchangeCode(request);
          const id = (await api.request(tokens.accessToken, 'GET', USER_ID_PATH)).value as { userId?: unknown };
          if (typeof id?.userId !== 'string' || !id.userId)
            throw new TributaryError('provider_error', 'Garmin user/id carries no userId', { provider: 'GARMIN' });
          const permissions = permissionList((await api.request(tokens.accessToken, 'GET', PERMISSIONS_PATH)).value);
          return { credentials: tokens, providerUserId: id.userId, scopes: permissions.join(',') };
        },
      },
      webhooks: garminWebhooks({ clientId: settings.CLIENT_ID, baseUrl }),
      backfill: garminBackfill(api, backfillDays),
      tokenRefresh: { refresh: (credentials) => oauth.refresh(credentials) },
      async revokeAccess(credentials: TokenSet) {
        // Mandatory when an app offers disconnect (Start Guide §3); Garmin then sends a deregistration.
        try {
          await api.request(credentials.accessToken, 'DELETE', REGISTRATION_PATH);
        } catch (error) {
          // Already gone (token revoked or consent withdrawn): nothing left to revoke.
          if (
            error instanceof TributaryError &&
            (error.code === 'provider_auth_failed' || error.details.status === 403)
          )
            return;
          throw error;
        }
      },
    };
  },
};

/** Garmin answers a bare array (official docs); some clients see `{"permissions": […]}`. */
export function permissionList(value: unknown): string[] {
  const list = Array.isArray(value) ? value : (value as { permissions?: unknown } | undefined)?.permissions;
  return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
}
