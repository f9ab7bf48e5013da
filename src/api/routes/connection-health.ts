import { badParameter } from '../../core/errors.ts';
import { capabilitiesOf, FAILING_SYNCS, judgeConnection } from '../../health/connection-health.ts';
import { developerOf } from '../authenticate.ts';
import type { RouteModule } from '../context.ts';
import { ERROR_SCHEMA_NAME, describeTag, registerOperations, registerSchemas } from '../openapi/index.ts';
import { findUser } from '../params.ts';
import type { ConnectionHealthRow } from '../../store/store.ts';

export const HEALTH_DEFAULT_PER_PAGE = 100;
export const HEALTH_MAX_PER_PAGE = 1000;

/**
 * `GET /v2/connections/health`: per user, when data last arrived and when the last sync
 * succeeded or failed, and whether the connection is stale (no data for longer than its
 * provider's cadence, or syncs failing). `stale_count` counts the developer's stale
 * connections whatever the page (the dashboard's overview reads it).
 */
export const connectionHealthRoutes: RouteModule = (app, ctx) => {
  app.get('/connections/health', async (request) => {
    const devId = developerOf(request).devId;
    const query = request.query as Record<string, unknown>;
    const userId = text('user_id', query.user_id);
    const search = text('query', query.query);
    const provider = text('provider', query.provider)?.toUpperCase();
    const state = oneOf('state', query.state, USER_STATES);
    const staleOnly = flag('stale', query.stale);
    const page = integer('page', query.page, 0, 1_000_000) ?? 0;
    const perPage = integer('per_page', query.per_page, 1, HEALTH_MAX_PER_PAGE) ?? HEALTH_DEFAULT_PER_PAGE;
    if (userId !== undefined) await findUser(ctx.store, devId, userId);
    const now = Date.now();
    const judge = (rows: ConnectionHealthRow[]) =>
      rows.map((row) => judgeConnection(row, capabilitiesOf(ctx.providers, row.user.provider), now));
    const filtered = judge(await ctx.store.connectionHealth.list(devId, { userId, query: search, provider, state }));
    const unfiltered = userId ?? search ?? provider ?? state;
    const everyone = unfiltered === undefined ? filtered : judge(await ctx.store.connectionHealth.list(devId));
    const matching = staleOnly === undefined ? filtered : filtered.filter((c) => c.stale === staleOnly);
    return {
      connections: matching.slice(page * perPage, (page + 1) * perPage),
      total: matching.length,
      stale_count: everyone.filter((c) => c.stale).length,
      page,
      max_page: Math.max(0, Math.ceil(matching.length / perPage) - 1),
    };
  });
};

/**
 * `POST /v2/users/{user_id}/upload-link`: a fresh link to the hosted upload page of an
 * existing user of a provider with one (UPLOAD), e.g. to send it again from the dashboard.
 */
export const uploadLinkRoutes: RouteModule = (app, ctx) => {
  app.post('/users/:user_id/upload-link', async (request) => {
    const devId = developerOf(request).devId;
    const { user_id: userId } = request.params as { user_id: string };
    const user = await findUser(ctx.store, devId, userId);
    const provider = ctx.providers.get(user.provider);
    if (!provider?.hostedConnectUrl)
      throw badParameter('user_id', `user ${userId} is a ${user.provider} user: only upload users have an upload page`);
    if (user.state !== 'connected' || !user.active)
      throw badParameter('user_id', `user ${userId} is ${user.active ? user.state : 'inactive'}: no upload link`);
    return { status: 'success', user_id: userId, url: provider.hostedConnectUrl({ devId, userId }) };
  });
};

function text(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badParameter(name, `${name} must be given once, as a string`);
  if (value.length > 256) throw badParameter(name, `${name} is too long (at most 256 characters)`);
  return value;
}

const USER_STATES = ['pending', 'connected', 'deauthorized', 'error'] as const;

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  const given = text(name, value);
  if (given === undefined) return undefined;
  if (!allowed.includes(given as T)) throw badParameter(name, `${name} must be one of ${allowed.join(', ')}`);
  return given as T;
}

function flag(name: string, value: unknown): boolean | undefined {
  const given = text(name, value);
  if (given === undefined) return undefined;
  if (given !== 'true' && given !== 'false') throw badParameter(name, `${name} must be true or false`);
  return given === 'true';
}

function integer(name: string, value: unknown, min: number, max: number): number | undefined {
  const given = text(name, value);
  if (given === undefined) return undefined;
  const n = /^\d{1,9}$/.test(given.trim()) ? Number(given.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw badParameter(name, `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return n;
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } },
});
const time = (description: string) => ({ type: ['string', 'null'], format: 'date-time', description });

describeTag(
  'Connection health',
  'Tributary extension: per user, when data last arrived, the last sync success and failure, and whether the connection is stale.',
);
registerSchemas({
  ConnectionHealth: {
    type: 'object',
    properties: {
      user_id: { type: 'string' },
      reference_id: { type: ['string', 'null'] },
      provider: { type: 'string' },
      state: { type: 'string', enum: ['pending', 'connected', 'deauthorized', 'error'] },
      active: { type: 'boolean' },
      last_data_at: time('When new data last arrived (null: never)'),
      last_sync_success_at: time('Last successful poll (polled providers)'),
      last_sync_failure_at: time('Last failed poll'),
      last_sync_error: { type: ['string', 'null'] },
      consecutive_failures: { type: 'integer', minimum: 0 },
      expected_cadence_hours: {
        type: ['number', 'null'],
        description:
          'How long the provider usually goes without data: 48 for providers with daily summaries, 720 for workout-only ones, null for uploads',
      },
      stale: {
        type: 'boolean',
        description: `A connected, active user with no data for longer than the cadence, or ${FAILING_SYNCS}+ failed syncs in a row`,
      },
      stale_reason: { type: ['string', 'null'], enum: ['no_data', 'sync_failing', null] },
      stale_notified_at: time(
        'When the current stale period went out as a `connection_stale` event (to destinations that list it in `event_types`)',
      ),
    },
    required: ['user_id', 'provider', 'state', 'stale', 'stale_reason', 'last_data_at'],
  },
});
registerOperations({
  method: 'post',
  path: '/v2/users/{user_id}/upload-link',
  tag: 'Connection health',
  operation: {
    summary: 'A fresh link to the hosted upload page of an upload user',
    operationId: 'Users_UploadLink',
    parameters: [{ name: 'user_id', in: 'path', required: true, schema: { type: 'string' } }],
    responses: {
      '200': {
        description: 'The signed link (the same as `auth_url` of authenticateUser for UPLOAD)',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: { status: { type: 'string' }, user_id: { type: 'string' }, url: { type: 'string' } },
              required: ['status', 'user_id', 'url'],
            },
          },
        },
      },
      '400': errorResponse('The user is not an upload user, or is not connected'),
      '401': errorResponse('Missing or wrong `dev-id` / `x-api-key`'),
      '404': errorResponse('No such user'),
    },
  },
});
registerOperations({
  method: 'get',
  path: '/v2/connections/health',
  tag: 'Connection health',
  operation: {
    summary: "The health of the developer's connections",
    operationId: 'Connections_Health',
    parameters: [
      { name: 'user_id', in: 'query', required: false, description: 'Only this user', schema: { type: 'string' } },
      {
        name: 'query',
        in: 'query',
        required: false,
        description: 'A user id, or part of a reference id (any case)',
        schema: { type: 'string', maxLength: 256 },
      },
      { name: 'provider', in: 'query', required: false, schema: { type: 'string' } },
      {
        name: 'state',
        in: 'query',
        required: false,
        schema: { type: 'string', enum: ['pending', 'connected', 'deauthorized', 'error'] },
      },
      {
        name: 'stale',
        in: 'query',
        required: false,
        description: '`true`: stale connections only; `false`: healthy ones only',
        schema: { type: 'string', enum: ['true', 'false'] },
      },
      { name: 'page', in: 'query', required: false, schema: { type: 'integer', minimum: 0, default: 0 } },
      {
        name: 'per_page',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: HEALTH_MAX_PER_PAGE, default: HEALTH_DEFAULT_PER_PAGE },
      },
    ],
    responses: {
      '200': {
        description: 'A page of connections, in user creation order',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                connections: { type: 'array', items: { $ref: '#/components/schemas/ConnectionHealth' } },
                total: { type: 'integer', description: 'Connections matching the filters' },
                stale_count: { type: 'integer', description: "All of the developer's stale connections" },
                page: { type: 'integer' },
                max_page: { type: 'integer' },
              },
              required: ['connections', 'total', 'stale_count', 'page', 'max_page'],
            },
          },
        },
      },
      '400': errorResponse('A parameter is invalid (`parameter` names it)'),
      '401': errorResponse('Missing or wrong `dev-id` / `x-api-key`'),
      '404': errorResponse('No such user'),
    },
  },
});
