import { z } from 'zod';
import { badParameter, TributaryError } from '../../core/errors.ts';
import {
  apiError,
  component,
  defineRoute,
  httpField,
  integerParam,
  json,
  optionalText,
  unauthorized,
} from '../contract/index.ts';
import { describeTag } from '../openapi/index.ts';

/** Default and largest page of GET /v2/events. */
export const EVENTS_DEFAULT_LIMIT = 100;
export const EVENTS_MAX_LIMIT = 500;
/** Default window: the last 24 hours. */
const DEFAULT_WINDOW_MS = 86_400_000;

describeTag(
  'Events',
  'Tributary extension: the events Tributary emitted for the developer (the outbox), with the status of their deliveries. Read by the dashboard.',
);

export const EventSummary = component(
  'EventSummary',
  z
    .object({
      id: z.string(),
      type: z.string().describe('activity, sleep, auth, deauth, healthcheck…'),
      user_id: z.string().nullable(),
      reference: z.string().nullable().describe('The terra-reference of a requested read, when the event answers one'),
      created_at: z.string().datetime(),
      delivery_status: z
        .enum(['none', 'pending', 'failed', 'delivered'])
        .describe(
          '`none`: no destination took the event; `failed`: at least one delivery is a dead letter; `delivered`: all were delivered',
        ),
      deliveries: z.array(
        z.object({
          id: z.string(),
          destination_id: z.string(),
          status: z.enum(['pending', 'delivered', 'failed']),
          attempts: z.number().int(),
          last_error: z.string().nullable(),
        }),
      ),
    })
    .describe('One outbox event, without its payload.'),
);

/** A position in the feed: the last answered event's millisecond and id. */
export interface EventPosition {
  ms: number;
  id: string;
}

export function encodeCursor(ms: number, id: string): string {
  return Buffer.from(`${ms}:${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): EventPosition {
  const match = /^(\d{1,15}):(evt_[\w-]+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badParameter('cursor', 'cursor is not one returned by this endpoint');
  return { ms: Number(match[1]), id: match[2] };
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

const cursorField = httpField(
  { type: 'string', description: 'The `cursor` of the previous page' },
  (value, name) => {
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw badParameter(name, `${name} must be given once, as a string`);
    if (value.length > 256) throw badParameter(name, `${name} is too long`);
    return decodeCursor(value);
  },
  { optional: true },
);

/** Read only when no cursor is given (a cursor carries its own position). */
const sinceField = httpField(
  { type: 'string', description: 'ISO 8601 time or unix seconds; default 24 hours ago' },
  (value) => value,
  { optional: true },
);

export const listEvents = defineRoute({
  method: 'get',
  path: '/v2/events',
  tag: 'Events',
  summary: 'List recent events with their delivery status',
  operationId: 'Events_List',
  description: `The calling developer's events created after \`since\` (default: the last 24 hours), oldest first, at most \`limit\` per page; pass \`cursor\` to read on. Payloads are not included.`,
  query: z
    .object({
      since: sinceField,
      user_id: optionalText('Only this user’s events', 256),
      type: optionalText('Only events of this type (activity, auth, healthcheck…)', 256),
      limit: integerParam(1, EVENTS_MAX_LIMIT, EVENTS_DEFAULT_LIMIT),
      cursor: cursorField,
    })
    .transform(({ since, cursor, ...query }, ctx) => {
      try {
        return { ...query, position: cursor ?? { ms: sinceMs(since), id: '' } };
      } catch (error) {
        if (!(error instanceof TributaryError)) throw error;
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: error.message, path: ['since'] });
        return z.NEVER;
      }
    }),
  responses: {
    200: json(
      'A page of events',
      z.object({
        events: z.array(EventSummary),
        cursor: z.string().nullable().describe('Pass to read the next page; null on the last page'),
      }),
    ),
    400: apiError('A parameter is invalid (`parameter` names it)'),
    401: unauthorized,
  },
});

export const getEvent = defineRoute({
  method: 'get',
  path: '/v2/events/{eventId}',
  tag: 'Events',
  summary: 'Read one event with its payload',
  operationId: 'Events_Get',
  description:
    'The event as in the list, plus `payload`: the Terra event body exactly as it is sent to destinations (the request body of its deliveries, before a destination’s format changes it).',
  params: z.object({ eventId: z.string().describe('The event id') }),
  responses: {
    200: json(
      'The event and its payload',
      EventSummary.extend({ payload: z.record(z.unknown()).describe('The Terra event body') }),
    ),
    401: unauthorized,
    404: apiError('No such event'),
  },
});
