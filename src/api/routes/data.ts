import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DATA_TYPES, type DataType } from '../../model/data-types.ts';
import { terraUser } from '../../delivery/terra-events.ts';
import type { User } from '../../store/store.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';
import { z } from 'zod';
import {
  booleanParam,
  dateText,
  defineTerraRoute,
  httpField,
  requiredText,
  serve,
  withDateRange,
} from '../contract/index.ts';
import { DATA_PATHS, findUser, type DateRange } from '../params.ts';
import { readFormat, sendFhir } from './fhir-reads.ts';

const formatField = httpField(
  { type: 'string', enum: ['json', 'fhir'], default: 'json', description: '`fhir`: a FHIR R4 Bundle in the body' },
  (value) => readFormat(value),
  { optional: true },
);

/** The query of a data read: Terra's parameters, plus `format` (Tributary's FHIR answer). */
function readQuery(type: DataType) {
  const base = { user_id: requiredText(), to_webhook: booleanParam(true), format: formatField };
  const ranged = { ...base, start_date: dateText(true), end_date: dateText(false), with_samples: booleanParam(false) };
  if (type === 'athlete')
    return z.object(base).transform((q) => ({ ...q, range: undefined as DateRange | undefined, with_samples: false }));
  // Terra's plannedWorkout read has no with_samples: the steps always come.
  if (type === 'planned_workout')
    return withDateRange(z.object({ ...base, start_date: ranged.start_date, end_date: ranged.end_date })).transform(
      (q) => ({ ...q, with_samples: true }),
    );
  return withDateRange(z.object(ranged));
}

const declareRead = (type: DataType) =>
  defineTerraRoute({ method: 'get', path: `/v2${DATA_PATHS[type]}`, query: readQuery(type) });

/** GET /v2/{activity,body,…}: one Terra operation per data type. */
export const DATA_READS = Object.fromEntries(DATA_TYPES.map((type) => [type, declareRead(type)])) as Record<
  DataType,
  ReturnType<typeof declareRead>
>;

/**
 * GET /v2/{activity,body,daily,sleep,nutrition,menstruation,athlete,plannedWorkout}.
 * With `to_webhook=false` the records are answered in the body; otherwise the request is
 * recorded under a terra-reference and answered through the destinations.
 */
export const dataReadRoutes: RouteModule = (app, ctx) => {
  for (const type of DATA_TYPES) {
    serve(app, DATA_READS[type], async ({ query }, request, reply) => {
      const { range, with_samples: withSamples } = query;
      const user = await findUser(ctx.store, developerOf(request).devId, query.user_id);
      if (range && ctx.history) await ctx.history.ensureSynced(user, type, range);
      if (query.format === 'fhir') return sendFhir(ctx, reply, user, type, range, withSamples);
      if (query.to_webhook) return answerThroughWebhook(ctx, user, type, range, withSamples);
      return sendRecords(ctx, reply, user, type, range, withSamples);
    });
  }
};

async function answerThroughWebhook(
  ctx: ApiContext,
  user: User,
  type: DataType,
  range: DateRange | undefined,
  withSamples: boolean,
) {
  const request = await ctx.store.dataRequests.create(user.devId, {
    reference: randomUUID(),
    userId: user.userId,
    dataType: type,
    startMs: range?.startMs ?? null,
    endMs: range?.endMs ?? null,
    withSamples,
  });
  if (ctx.webhookReads) return ctx.webhookReads.accept(request, user);
  // No delivery engine is wired in: say so instead of pretending the data is on its way.
  return {
    reference: request.reference,
    message: 'Request recorded; no webhook delivery is configured on this server, so nothing will be sent',
    type,
    user: terraUser(user),
  };
}

/** Writes the response by concatenating stored JSON text: no parse/serialize round trip. */
async function sendRecords(
  ctx: ApiContext,
  reply: FastifyReply,
  user: User,
  type: DataType,
  range: DateRange | undefined,
  withSamples: boolean,
) {
  const rows = await ctx.store.records.listJson(user.devId, user.userId, type, { ...range, withSamples });
  const userJson = JSON.stringify(terraUser(user));
  if (type === 'athlete') {
    const body = rows.length === 0 ? null : `{"athlete":${rows[0]},"user":${userJson},"type":"athlete"}`;
    if (body === null)
      return reply.type('application/json').send({
        status: 'success',
        message: 'No athlete data stored for this user yet',
        type: 'no_data',
        user: terraUser(user),
      });
    return reply.type('application/json').send(body);
  }
  const head = `{"user":${userJson},"data":[`;
  const tail = `],"type":${JSON.stringify(type)}}`;
  let length = head.length + tail.length;
  for (const row of rows) length += row.length + 1;
  if (length < STREAM_ABOVE_CHARS) return reply.type('application/json').send(head + rows.join(',') + tail);
  // A year of 1 Hz activities is ~700 MB: more than one V8 string can hold, and joining
  // would copy it all before the first byte leaves. Stream the stored rows instead.
  return reply.type('application/json').send(Readable.from(jsonChunks(head, rows, tail)));
}

/** Responses at least this long (in characters) are streamed rather than joined. */
const STREAM_ABOVE_CHARS = 1 << 20;
/** Small rows are batched into chunks of about this size; large rows go out as they are. */
const CHUNK_CHARS = 64 * 1024;

function* jsonChunks(head: string, rows: readonly string[], tail: string): Generator<string> {
  let pending = head;
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) pending += ',';
    const row = rows[i];
    if (row.length >= CHUNK_CHARS) {
      // Never copy a large row into a bigger string: flush what is pending, then the row.
      if (pending) yield pending;
      yield row;
      pending = '';
    } else {
      pending += row;
      if (pending.length >= CHUNK_CHARS) {
        yield pending;
        pending = '';
      }
    }
  }
  yield pending + tail;
}
