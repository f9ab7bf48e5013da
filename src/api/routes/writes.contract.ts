import { z } from 'zod';
import { badParameter } from '../../core/errors.ts';
import { naturalKey, type DataType, type TerraRecord } from '../../model/data-types.ts';
import { formatIssues, validateRecord } from '../../model/validate.ts';
import { checked, defineTerraRoute, requiredText } from '../contract/index.ts';
import { DATA_PATHS } from '../params.ts';

/** Types Terra lets a developer POST, and the field naming the ids of a DELETE. */
export const WRITABLE = ['activity', 'body', 'nutrition', 'planned_workout'] as const satisfies readonly DataType[];
export const DELETABLE = [
  { type: 'body', idsField: 'log_ids' },
  { type: 'nutrition', idsField: 'data' },
  { type: 'planned_workout', idsField: 'data' },
] as const satisfies ReadonlyArray<{ type: DataType; idsField: 'log_ids' | 'data' }>;

/** Terra's writes name no target user; Tributary requires one on every write. */
const userQuery = z.object({ user_id: requiredText() });

const declareWrite = (type: DataType) =>
  defineTerraRoute({
    method: 'post',
    path: `/v2${DATA_PATHS[type]}`,
    query: userQuery,
    body: checked(z.object({ data: z.array(z.custom<TerraRecord>()) }), (body) => ({ data: recordsOf(type, body) })),
  });

const ids = z.array(z.string().min(1)).min(1);
const declareDelete = <F extends 'log_ids' | 'data'>(type: DataType, idsField: F) =>
  defineTerraRoute({
    method: 'delete',
    path: `/v2${DATA_PATHS[type]}`,
    query: userQuery,
    body: checked(z.object({ [idsField]: ids } as Record<F, typeof ids>), (body) => {
      idsOf(idsField, body);
      return body;
    }),
  });

/** POST /v2/{activity,body,nutrition,plannedWorkout}: `{data: [...]}`. */
export const DATA_WRITES = Object.fromEntries(WRITABLE.map((type) => [type, declareWrite(type)])) as Record<
  (typeof WRITABLE)[number],
  ReturnType<typeof declareWrite>
>;

/** DELETE /v2/body (`{log_ids}`), /v2/nutrition and /v2/plannedWorkout (`{data}`). */
export const DATA_DELETES = {
  body: declareDelete('body', 'log_ids'),
  nutrition: declareDelete('nutrition', 'data'),
  planned_workout: declareDelete('planned_workout', 'data'),
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
    const first = issues[0];
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
