import { TributaryError } from '../../core/errors.ts';
import type {
  PolledItem,
  Polling,
  PasswordLogin,
  ProviderAccount,
  TokenRefresh,
  TokenSet,
  WithAccess,
} from '../provider.ts';
import type { IfitClient } from './ifit-client.ts';
import { normalizeActivity } from './ifit-normalize-activity.ts';
import type { IfitTokenResponse, IfitWorkout } from './ifit-schemas.ts';

const PAGE_SIZE = 100;

/** Token response → the stored token set; `now` is when the response arrived. */
export function tokenSet(
  response: IfitTokenResponse,
  now: number,
  previousRefreshToken: string | null = null,
): TokenSet {
  return {
    accessToken: response.access_token,
    // iFit may rotate the refresh token; when a refresh response carries none, the old one stays valid.
    refreshToken: response.refresh_token ?? previousRefreshToken,
    expiresAt: typeof response.expires_in === 'number' ? now + response.expires_in * 1000 : null,
  };
}

export function ifitPasswordLogin(client: IfitClient): PasswordLogin {
  return {
    async login(username, password): Promise<ProviderAccount> {
      const credentials = tokenSet(await client.passwordGrant(username, password), Date.now());
      const me = await client.me(credentials.accessToken);
      return { credentials, providerUserId: me.id, scopes: null };
    },
  };
}

export function ifitTokenRefresh(client: IfitClient): TokenRefresh {
  return {
    async refresh(credentials) {
      if (!credentials.refreshToken) {
        throw new TributaryError('provider_auth_failed', 'no iFit refresh token stored', {
          provider: 'IFIT',
          reason: 'invalid_grant',
        });
      }
      return tokenSet(await client.refreshGrant(credentials.refreshToken), Date.now(), credentials.refreshToken);
    },
  };
}

/**
 * Polling: list the logs that started after `sinceMs` (iFit's `after`), newest first and
 * paged, then fetch each log's detail and its library workout, oldest first, so the caller
 * can advance its cursor item by item.
 */
export function ifitPolling(client: IfitClient, settings: { intervalMs: number; backfillDays: number }): Polling {
  return {
    ...settings,
    async *fetch(withAccess: WithAccess, window): AsyncIterable<PolledItem> {
      const listed = [];
      for (let page = 1; ; page++) {
        const items = await withAccess((tokens) =>
          client.activityLogs(tokens.accessToken, { page, perPage: PAGE_SIZE, after: window.sinceMs }),
        );
        listed.push(...items);
        // `after` is the server's filter; checking again keeps a lax server from pulling history forever.
        if (items.length < PAGE_SIZE || items.every((item) => item.start <= window.sinceMs)) break;
      }
      const wanted = listed
        .filter((item) => item.start > window.sinceMs && (window.untilMs === undefined || item.start < window.untilMs))
        .filter((item, index, all) => all.findIndex((other) => other.id === item.id) === index)
        .sort((a, b) => a.start - b.start);
      const workouts = new Map<string, { value: IfitWorkout; text: string } | undefined>();
      for (const item of wanted) {
        if (window.known && (await window.known(item.id))) continue;
        const detail = await withAccess((tokens) => client.activityLogText(tokens.accessToken, item.id));
        if (!detail.value) {
          // A log that fails the schema is kept raw without a record (nothing invented); ingest logs the problem.
          yield {
            type: 'activity',
            startMs: item.start,
            raw: { externalId: item.id, contentType: 'application/json', body: detail.text },
            records: [],
            problem: detail.problem,
          };
          continue;
        }
        const workoutId = detail.value.workout_id ?? item.workout_id ?? undefined;
        if (workoutId && !workouts.has(workoutId))
          workouts.set(workoutId, await withAccess((tokens) => client.workout(tokens.accessToken, workoutId)));
        const workout = workoutId ? workouts.get(workoutId) : undefined;
        yield {
          type: 'activity',
          startMs: detail.value.start,
          raw: { externalId: detail.value.id, contentType: 'application/json', body: detail.text },
          related:
            workout && workoutId
              ? [
                  {
                    dataType: 'ifit_workout',
                    externalId: `workout:${workoutId}`,
                    contentType: 'application/json',
                    body: workout.text,
                  },
                ]
              : [],
          records: [normalizeActivity(detail.value, workout?.value)],
        };
      }
    },
  };
}
