import { terraOpenApiExtract } from '../../model/schemas.ts';
import { HTTP_METHODS, type OperationObject, type RegisteredOperation } from './registry.ts';

/** Tributary's error body (src/api/errors.ts): Terra's `{status, message}` plus a code and the request id. */
export const ERROR_SCHEMA_NAME = 'TributaryError';

export const ERROR_SCHEMA: Record<string, unknown> = {
  type: 'object',
  description:
    'Every 4xx/5xx answer. Terra\'s `{status: "error", message}`, with a machine-readable `code`, the offending `parameter` when there is one, and the request id (also sent as the `x-request-id` header).',
  properties: {
    status: { type: 'string', const: 'error' },
    message: {
      type: 'string',
      description: 'What is wrong, in words',
      examples: ['start_date must be YYYY-MM-DD or unix seconds'],
    },
    code: {
      type: 'string',
      enum: [
        'bad_request',
        'unauthorized',
        'forbidden',
        'not_found',
        'method_not_allowed',
        'conflict',
        'payload_too_large',
        'unsupported_media_type',
        'gone',
        'provider_error',
        'provider_auth_failed',
        'rate_limited',
        'config_invalid',
        'internal',
      ],
    },
    parameter: { type: 'string', description: 'The query or body parameter at fault (400 only)' },
    request_id: { type: 'string' },
  },
  required: ['status', 'message', 'code', 'request_id'],
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } },
});

/**
 * Terra's 25 operations, from the contract (src/model/generated/terra-openapi.json), under
 * `/v2`: parameters, bodies and responses verbatim, plus the answers Tributary adds to
 * every operation of that kind — 401 where credentials are required, 413 where a body
 * is accepted.
 */
export function terraOperations(): RegisteredOperation[] {
  const operations: RegisteredOperation[] = [];
  for (const [path, item] of Object.entries(terraOpenApiExtract().paths)) {
    for (const method of HTTP_METHODS) {
      const source = item[method];
      if (!source) continue;
      const operation = structuredClone(source) as OperationObject;
      const note = TRIBUTARY_NOTES[String(operation.operationId)];
      if (note) operation.description = note;
      if (note === STORED_WRITE && !operation.parameters?.some((p) => p.name === 'user_id')) {
        // Terra names no target user on these writes; Tributary needs one (as Terra's /plannedWorkout write does).
        operation.parameters = [
          ...(operation.parameters ?? []),
          {
            name: 'user_id',
            in: 'query',
            required: true,
            description: 'The user the records belong to (Tributary requires it on every write)',
            schema: { type: 'string' },
          },
        ];
      }
      const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
      operation.responses = { ...operation.responses };
      if (!isPublic && !operation.responses['401'])
        operation.responses['401'] = errorResponse('Missing or wrong `dev-id` / `x-api-key`');
      if (operation.requestBody && !operation.responses['413'])
        operation.responses['413'] = errorResponse('The body is larger than the server accepts');
      operations.push({ method, path: `/v2${path}`, tag: operation.tags?.[0] ?? 'Terra', operation });
    }
  }
  return operations;
}

const STORED_WRITE =
  "Validates each record against Terra's schema for the type (400 naming the first bad field) and stores it for the user, upserted by Terra's natural key; answers with one log id per record, in posted order. Stored records emit the same data events as provider data. Tributary keeps written data in its own store: nothing is forwarded to the provider.";
const STORED_DELETE =
  "Deletes the listed records of the user from Tributary's store; 207 when some ids were not found.";

/**
 * Where Tributary's behaviour differs from Terra's text (Terra forwards writes to a few
 * providers; Tributary keeps them), the operation's description says what Tributary does.
 */
const TRIBUTARY_NOTES: Record<string, string> = {
  Activity_Write: STORED_WRITE,
  Body_Write: STORED_WRITE,
  Nutrition_Write: STORED_WRITE,
  PlannedWorkout_Write: STORED_WRITE,
  Body_Delete: STORED_DELETE,
  Nutrition_Delete: STORED_DELETE,
  PlannedWorkout_Delete: STORED_DELETE,
};

/** Tag descriptions for Terra's groups. */
export const TERRA_TAG_DESCRIPTIONS: Record<string, string> = {
  Authentication:
    'Connect end users to their wearable providers (widget session, direct link, mobile SDK token) and disconnect them.',
  User: 'Look up, list and modify connected users (one user per provider connection).',
  Activity: 'Completed workouts: summaries, laps and sample series (heart rate, position, power…).',
  Athlete: "The user's profile at the provider.",
  Body: 'Body metrics per calendar day: weight and composition, blood pressure, ECG, glucose, temperature…',
  Daily: 'Activity totals per calendar day: steps, calories, distance, heart rate, stress…',
  Menstruation: 'Cycle tracking per calendar day.',
  Nutrition: 'Meals, drinks and nutrient totals per calendar day.',
  Sleep: 'Sleep sessions: stages (hypnogram), durations, heart rate, respiration, readiness.',
  PlannedWorkout: 'Structured workouts planned for a date, with steps, targets and durations.',
  Integrations: 'The providers this server offers (no credentials needed).',
};
