import { badParameter } from '../../core/errors.ts';
import type { Delivery } from '../../store/index.ts';
import type { StoredEvent } from '../../store/store.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';
import { ERROR_SCHEMA_NAME, describeTag, registerOperations, registerSchemas } from '../openapi/index.ts';

/** Default and largest page of GET /v2/events. */
export const EVENTS_DEFAULT_LIMIT = 100;
export const EVENTS_MAX_LIMIT = 500;
/** Default window: the last 24 hours. */
const DEFAULT_WINDOW_MS = 86_400_000;
/** Extra rows read past a cursor so that events sharing the cursor's millisecond are not skipped. */
const CURSOR_OVERLAP = 200;

/**
 * `GET /v2/events`: the developer's outbox events (what Tributary emitted: data, auth,
 * deauth, healthcheck…) created after `since`, oldest first, each with the status of its
 * deliveries — a feed the dashboard reads for its activity counts and recent-events list.
 * Payloads are left out (they can be megabytes); fetch one through a delivery or a payload link.
 */
export const eventRoutes: RouteModule = (app, ctx) => {
  app.get('/events', async (request) => {
    const devId = developerOf(request).devId;
    const query = request.query as Record<string, unknown>;
    const userId = optionalString('user_id', query.user_id);
    const type = optionalString('type', query.type);
    const limit =
      query.limit === undefined || query.limit === ''
        ? EVENTS_DEFAULT_LIMIT
        : integer('limit', query.limit, 1, EVENTS_MAX_LIMIT);
    const cursor = optionalString('cursor', query.cursor);
    const position = cursor !== undefined ? decodeCursor(cursor) : { ms: sinceMs(query.since), id: '' };
    // The store filters on `created_ms > afterMs`; read from the cursor's own millisecond and drop what was already answered.
    const rows = await ctx.store.events.list(devId, {
      userId,
      type,
      afterMs: position.ms - 1,
      limit: limit + 1 + CURSOR_OVERLAP,
    });
    const fresh = rows.filter(
      (e) => e.createdMs > position.ms || (e.createdMs === position.ms && e.eventId > position.id),
    );
    const page = fresh.slice(0, limit);
    const last = page.at(-1);
    const events = [];
    for (const event of page) events.push(eventView(event, await deliveriesOf(ctx, devId, event.eventId)));
    return { events, cursor: fresh.length > limit && last ? encodeCursor(last.createdMs, last.eventId) : null };
  });
};

async function deliveriesOf(ctx: ApiContext, devId: string, eventId: string): Promise<Delivery[]> {
  if (!ctx.delivery) return [];
  return (await ctx.delivery.deliveries.list(devId, { eventId, limit: 100 })).deliveries;
}

/** `none` (no destination took it), `pending`, `failed` (at least one dead letter) or `delivered` (all). */
export function deliveryStatusOf(deliveries: readonly Delivery[]): 'none' | 'pending' | 'failed' | 'delivered' {
  if (deliveries.length === 0) return 'none';
  if (deliveries.some((d) => d.status === 'failed')) return 'failed';
  if (deliveries.some((d) => d.status === 'pending')) return 'pending';
  return 'delivered';
}

function eventView(event: StoredEvent, deliveries: readonly Delivery[]) {
  return {
    id: event.eventId,
    type: event.type,
    user_id: event.userId,
    reference: event.reference,
    created_at: event.createdAt,
    delivery_status: deliveryStatusOf(deliveries),
    deliveries: deliveries.map((d) => ({
      id: d.deliveryId,
      destination_id: d.destinationId,
      status: d.status,
      attempts: d.attempts,
      last_error: d.lastError,
    })),
  };
}

function sinceMs(value: unknown, now = Date.now()): number {
  if (value === undefined || value === '') return now - DEFAULT_WINDOW_MS;
  if (typeof value !== 'string') throw badParameter('since', 'since must be given once');
  const text = value.trim();
  const ms = /^\d{1,12}$/.test(text)
    ? Number(text) * 1000
    : /^\d{4}-\d{2}-\d{2}/.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (!Number.isFinite(ms))
    throw badParameter('since', `since must be an ISO 8601 time or unix seconds (got ${JSON.stringify(value)})`);
  return ms;
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badParameter(name, `${name} must be given once, as a string`);
  if (value.length > 256) throw badParameter(name, `${name} is too long`);
  return value;
}

function integer(name: string, value: unknown, min: number, max: number): number {
  const text = typeof value === 'string' ? value.trim() : String(value);
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw badParameter(name, `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return n;
}

function encodeCursor(ms: number, id: string): string {
  return Buffer.from(`${ms}:${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { ms: number; id: string } {
  const match = /^(\d{1,15}):(evt_[\w-]+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badParameter('cursor', 'cursor is not one returned by this endpoint');
  return { ms: Number(match[1]), id: match[2] };
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } },
});

describeTag(
  'Events',
  'Tributary extension: the events Tributary emitted for the developer (the outbox), with the status of their deliveries. Read by the dashboard.',
);
registerSchemas({
  EventSummary: {
    type: 'object',
    description: 'One outbox event, without its payload.',
    properties: {
      id: { type: 'string', examples: ['evt_01j…'] },
      type: { type: 'string', description: 'activity, sleep, auth, deauth, healthcheck…' },
      user_id: { type: ['string', 'null'] },
      reference: {
        type: ['string', 'null'],
        description: 'The terra-reference of a requested read, when the event answers one',
      },
      created_at: { type: 'string', format: 'date-time' },
      delivery_status: {
        type: 'string',
        enum: ['none', 'pending', 'failed', 'delivered'],
        description:
          '`none`: no destination took the event; `failed`: at least one delivery is a dead letter; `delivered`: all were delivered',
      },
      deliveries: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            destination_id: { type: 'string' },
            status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
            attempts: { type: 'integer' },
            last_error: { type: ['string', 'null'] },
          },
        },
      },
    },
    required: ['id', 'type', 'user_id', 'created_at', 'delivery_status', 'deliveries'],
  },
});
registerOperations({
  method: 'get',
  path: '/v2/events',
  tag: 'Events',
  operation: {
    summary: 'List recent events with their delivery status',
    operationId: 'Events_List',
    description: `The calling developer's events created after \`since\` (default: the last 24 hours), oldest first, at most \`limit\` per page; pass \`cursor\` to read on. Payloads are not included.`,
    parameters: [
      {
        name: 'since',
        in: 'query',
        required: false,
        description: 'ISO 8601 time or unix seconds; default 24 hours ago',
        schema: { type: 'string' },
      },
      {
        name: 'user_id',
        in: 'query',
        required: false,
        description: 'Only this user’s events',
        schema: { type: 'string' },
      },
      {
        name: 'type',
        in: 'query',
        required: false,
        description: 'Only events of this type (activity, auth, healthcheck…)',
        schema: { type: 'string' },
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: EVENTS_MAX_LIMIT, default: EVENTS_DEFAULT_LIMIT },
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        description: 'The `cursor` of the previous page',
        schema: { type: 'string' },
      },
    ],
    responses: {
      '200': {
        description: 'A page of events',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                events: { type: 'array', items: { $ref: '#/components/schemas/EventSummary' } },
                cursor: { type: ['string', 'null'], description: 'Pass to read the next page; null on the last page' },
              },
              required: ['events', 'cursor'],
            },
          },
        },
      },
      '400': errorResponse('A parameter is invalid (`parameter` names it)'),
      '401': errorResponse('Missing or wrong `dev-id` / `x-api-key`'),
    },
  },
});
