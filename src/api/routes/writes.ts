import { badParameter } from '../../core/errors.ts';
import { terraUser } from '../../delivery/terra-events.ts';
import { storeRecords } from '../../ingest/store-records.ts';
import { naturalKey, type DataType, type TerraRecord } from '../../model/data-types.ts';
import { formatIssues, validateRecord } from '../../model/validate.ts';
import { developerOf } from '../authenticate.ts';
import type { RouteModule } from '../context.ts';
import { DATA_PATHS, findUser, requireParam } from '../params.ts';

/** Types Terra lets a developer POST, and the field naming the ids of a DELETE. */
const WRITABLE: readonly DataType[] = ['activity', 'body', 'nutrition', 'planned_workout'];
const DELETABLE: ReadonlyArray<{ type: DataType; idsField: 'log_ids' | 'data' }> = [
  { type: 'body', idsField: 'log_ids' },
  { type: 'nutrition', idsField: 'data' },
  { type: 'planned_workout', idsField: 'data' },
];

/**
 * Terra's writes and deletes, kept in Tributary's own store (no provider write-back):
 * POST /activity, /body, /nutrition, /plannedWorkout with `{data: [...]}` and DELETE
 * /body (`{log_ids}`), /nutrition and /plannedWorkout (`{data}`).
 *
 * Terra's contract names no target user for POST /activity, /body and /nutrition, so
 * Tributary requires `user_id` in the query on every write (as Terra does for
 * /plannedWorkout). Records are upserted by their natural key, and those keys are the
 * `log_ids` answered in posted order. Writes go through `storeRecords`, so they emit the
 * same data events as provider data.
 */
export const writeRoutes: RouteModule = (app, ctx) => {
  for (const type of WRITABLE) {
    app.post(DATA_PATHS[type], async (request, reply) => {
      const dev = developerOf(request);
      const userId = requireParam('user_id', (request.query as Record<string, unknown>).user_id);
      const records = recordsOf(type, request.body);
      const user = await findUser(ctx.store, dev.devId, userId);
      const { keys, eventId } = await storeRecords(ctx.store, { user, type, records });
      // Wake the dispatcher now rather than at its next poll.
      if (eventId) ctx.eventsCommitted.notify();
      const fresh = (await ctx.store.users.get(dev.devId, userId)) ?? user;
      const noun = records.length === 1 ? 'record' : 'records';
      return reply
        .status(201)
        .send({ user: terraUser(fresh), log_ids: keys, message: `${records.length} ${type} ${noun} stored` });
    });
  }

  for (const { type, idsField } of DELETABLE) {
    app.delete(DATA_PATHS[type], async (request, reply) => {
      const dev = developerOf(request);
      const userId = requireParam('user_id', (request.query as Record<string, unknown>).user_id);
      const ids = idsOf(idsField, request.body);
      const user = await findUser(ctx.store, dev.devId, userId);
      const deleted = new Set(await ctx.store.records.delete(dev.devId, userId, type, [...new Set(ids)]));
      const processed = ids.map((id) => ({ id, response_code: deleted.has(id) ? 200 : 404 }));
      const allDeleted = processed.every((item) => item.response_code === 200);
      return reply.status(allDeleted ? 200 : 207).send({ user: terraUser(user), processed_data: processed });
    });
  }
};

/** `{data: [...]}` with each record a JSON object carrying its natural key. */
function recordsOf(type: DataType, body: unknown): TerraRecord[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badParameter('data', 'the body must be a JSON object {"data": [...]}');
  const data = (body as Record<string, unknown>).data;
  if (!Array.isArray(data)) throw badParameter('data', `data must be an array of ${type} records`);
  return data.map((record, index) => checkRecord(type, record, index));
}

/**
 * A record must follow Terra's JSON Schema for its type and carry what storage and range
 * reads depend on: its natural key and a parseable time window.
 */
function checkRecord(type: DataType, record: unknown, index: number): TerraRecord {
  const at = `data[${index}]`;
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    throw badParameter(at, `${at} must be a JSON object`);
  const issues = validateRecord(type, record);
  if (issues.length > 0) {
    const first = issues[0]!;
    const parameter = first.path === '(root)' ? at : `${at}.${first.path}`;
    const more =
      issues.length > 1
        ? ` (and ${issues.length - 1} more: ${formatIssues(issues.slice(1, 4)).replaceAll('\n', '; ')})`
        : '';
    throw badParameter(parameter, `${parameter}: ${first.message}${more}`);
  }
  const metadata = (record as TerraRecord).metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw badParameter(`${at}.metadata`, `${at}.metadata must be an object`);
  if (naturalKey(type, record as TerraRecord) === undefined) {
    const field = keyField(type);
    throw badParameter(
      `${at}.${field}`,
      `${at}.${field} is required${field.endsWith('start_time') ? ' as an ISO-8601 date-time' : ''}`,
    );
  }
  if (type === 'planned_workout') {
    // Range reads find a planned workout by its planned (or else created) date: without one
    // it could be stored but never read back.
    const when = metadata.planned_date ?? metadata.created_date;
    if (typeof when !== 'string' || Number.isNaN(Date.parse(when))) {
      throw badParameter(
        `${at}.metadata.planned_date`,
        `${at}.metadata.planned_date must be an ISO-8601 date-time (got ${JSON.stringify(when)})`,
      );
    }
  }
  for (const field of type === 'planned_workout' ? [] : ['start_time', 'end_time']) {
    const value = metadata[field];
    if (value === undefined && field === 'end_time') continue;
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
      throw badParameter(
        `${at}.metadata.${field}`,
        `${at}.metadata.${field} must be an ISO-8601 date-time (got ${JSON.stringify(value)})`,
      );
    }
  }
  return record as TerraRecord;
}

function keyField(type: DataType): string {
  if (type === 'activity' || type === 'sleep') return 'metadata.summary_id';
  if (type === 'planned_workout') return 'metadata.id';
  return 'metadata.start_time';
}

function idsOf(field: 'log_ids' | 'data', body: unknown): string[] {
  const ids =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)[field]
      : undefined;
  if (!Array.isArray(ids) || ids.length === 0)
    throw badParameter(field, `${field} must be a non-empty array of the ids to delete (body: {"${field}": [...]})`);
  for (const [index, id] of ids.entries()) {
    if (typeof id !== 'string' || id === '')
      throw badParameter(`${field}[${index}]`, `${field}[${index}] must be an id string (got ${JSON.stringify(id)})`);
  }
  return ids as string[];
}
