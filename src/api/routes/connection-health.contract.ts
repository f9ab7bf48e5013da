import { z } from 'zod';
import { badParameter } from '../../core/errors.ts';
import { FAILING_SYNCS } from '../../health/connection-health.ts';
import { apiError, component, defineRoute, httpField, json, unauthorized } from '../contract/index.ts';
import { describeTag } from '../openapi/index.ts';

export const HEALTH_DEFAULT_PER_PAGE = 100;
export const HEALTH_MAX_PER_PAGE = 1000;

const USER_STATES = ['pending', 'connected', 'deauthorized', 'error'] as const;
const TAG = 'Connection health';

describeTag(
  TAG,
  'Tributary extension: per user, when data last arrived, the last sync success and failure, and whether the connection is stale.',
);

const time = (description: string) => z.string().datetime().nullable().describe(description);

export const ConnectionHealth = component(
  'ConnectionHealth',
  z.object({
    user_id: z.string(),
    reference_id: z.string().nullable(),
    provider: z.string(),
    state: z.enum(USER_STATES),
    active: z.boolean(),
    last_data_at: time('When new data last arrived (null: never)'),
    last_sync_success_at: time('Last successful poll (polled providers)'),
    last_sync_failure_at: time('Last failed poll'),
    last_sync_error: z.string().nullable(),
    consecutive_failures: z.number().int().min(0),
    expected_cadence_hours: z
      .number()
      .nullable()
      .describe(
        'How long the provider usually goes without data: 48 for providers with daily summaries, 720 for workout-only ones, null for uploads',
      ),
    stale: z
      .boolean()
      .describe(
        `A connected, active user with no data for longer than the cadence, or ${FAILING_SYNCS}+ failed syncs in a row`,
      ),
    stale_reason: z.enum(['no_data', 'sync_failing']).nullable(),
    stale_notified_at: time(
      'When the current stale period went out as a `connection_stale` event (to destinations that list it in `event_types`)',
    ),
  }),
);

export const HealthPage = z.object({
  connections: z.array(ConnectionHealth),
  total: z.number().int().describe('Connections matching the filters'),
  stale_count: z.number().int().describe("All of the developer's stale connections"),
  page: z.number().int(),
  max_page: z.number().int(),
});

/** Optional text, given once, at most 256 characters. */
function text(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badParameter(name, `${name} must be given once, as a string`);
  if (value.length > 256) throw badParameter(name, `${name} is too long (at most 256 characters)`);
  return value;
}

const textField = (schema: Record<string, unknown> = {}) =>
  httpField({ type: 'string', ...schema }, (value, name) => text(name, value), { optional: true });

const stateField = httpField(
  { type: 'string', enum: [...USER_STATES] },
  (value, name) => {
    const given = text(name, value);
    if (given === undefined) return undefined;
    if (!(USER_STATES as readonly string[]).includes(given))
      throw badParameter(name, `${name} must be one of ${USER_STATES.join(', ')}`);
    return given as (typeof USER_STATES)[number];
  },
  { optional: true },
);

const staleField = httpField(
  {
    type: 'string',
    enum: ['true', 'false'],
    description: '`true`: stale connections only; `false`: healthy ones only',
  },
  (value, name) => {
    const given = text(name, value);
    if (given === undefined) return undefined;
    if (given !== 'true' && given !== 'false') throw badParameter(name, `${name} must be true or false`);
    return given === 'true';
  },
  { optional: true },
);

const integerField = (min: number, max: number, fallback: number, schema: Record<string, unknown>) =>
  httpField(
    { type: 'integer', minimum: min, ...schema, default: fallback },
    (value, name) => {
      const given = text(name, value);
      if (given === undefined) return fallback;
      const n = /^\d{1,9}$/.test(given.trim()) ? Number(given.trim()) : Number.NaN;
      if (!Number.isInteger(n) || n < min || n > max)
        throw badParameter(name, `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
      return n;
    },
    { optional: true },
  );

export const connectionsHealth = defineRoute({
  method: 'get',
  path: '/v2/connections/health',
  tag: TAG,
  summary: "The health of the developer's connections",
  operationId: 'Connections_Health',
  query: z.object({
    user_id: textField({ description: 'Only this user' }),
    query: textField({ description: 'A user id, or part of a reference id (any case)', maxLength: 256 }),
    provider: textField(),
    state: stateField,
    stale: staleField,
    page: integerField(0, 1_000_000, 0, {}),
    per_page: integerField(1, HEALTH_MAX_PER_PAGE, HEALTH_DEFAULT_PER_PAGE, { maximum: HEALTH_MAX_PER_PAGE }),
  }),
  responses: {
    200: json('A page of connections, in user creation order', HealthPage),
    400: apiError('A parameter is invalid (`parameter` names it)'),
    401: unauthorized,
    404: apiError('No such user'),
  },
});

export const uploadLink = defineRoute({
  method: 'post',
  path: '/v2/users/{user_id}/upload-link',
  tag: TAG,
  summary: 'A fresh link to the hosted upload page of an upload user',
  operationId: 'Users_UploadLink',
  params: z.object({ user_id: z.string() }),
  responses: {
    200: json(
      'The signed link (the same as `auth_url` of authenticateUser for UPLOAD)',
      z.object({ status: z.string(), user_id: z.string(), url: z.string() }),
    ),
    400: apiError('The user is not an upload user, or is not connected'),
    401: unauthorized,
    404: apiError('No such user'),
  },
});
