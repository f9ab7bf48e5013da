import { z } from 'zod';
import { TributaryError } from '../../core/errors.ts';
import { batchJsonSchema, BatchSchema } from '../../providers/apple/index.ts';
import {
  apiError,
  checked,
  defineRoute,
  defineTerraRoute,
  json,
  schemaRef,
  type RouteSpec,
} from '../contract/index.ts';
import { describeTag, registerSchemas } from '../openapi/index.ts';

const TAG = 'Apple Health SDK';
describeTag(
  TAG,
  'The phone side of Apple Health: exchange the token from /v2/auth/generateAuthToken for a user and its sdk_secret, then post HealthKit batches. Batches are idempotent (sample UUIDs) and may arrive late or out of order; the days they touch are recomputed.',
);

/**
 * An Apple Health batch: the provider's schema (`BatchSchema`, zod 4) parses it, and its JSON
 * Schema, generated from that same schema, is the component.
 */
const { $schema: _schema, $id: _id, ...batchSchema } = batchJsonSchema();
registerSchemas({ AppleHealthBatch: batchSchema });
export { BatchSchema as AppleHealthBatch };

const bearerHeader = (what: string): NonNullable<RouteSpec['headers']>[number] => ({
  name: 'Authorization',
  required: true,
  description: `Bearer ${what}`,
  schema: { type: 'string', examples: ['Bearer 3q2-…'] },
});

/** POST /v2/auth/generateAuthToken: a single-use token the phone exchanges for a user. */
export const generateAuthToken = defineTerraRoute({ method: 'post', path: '/v2/auth/generateAuthToken' });

export const batchSchemaDocument = defineRoute({
  method: 'get',
  path: '/v2/sdk/batch-schema.json',
  tag: TAG,
  public: true,
  summary: 'The JSON Schema (2020-12) of an Apple Health batch',
  operationId: 'AppleSdk_BatchSchema',
  responses: { 200: json('The schema', { type: 'object' }) },
});

export const createSdkUser = defineRoute({
  method: 'post',
  path: '/v2/sdk/users',
  tag: TAG,
  public: true,
  summary: 'Create an APPLE user from a single-use SDK token',
  operationId: 'AppleSdk_CreateUser',
  headers: [bearerHeader('<token from POST /v2/auth/generateAuthToken>')],
  // No body, or one without reference_id, is a user without one.
  body: checked(z.object({ reference_id: z.string().max(256).nullable().optional() }), (body) => {
    const referenceId =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>).reference_id : undefined;
    if (
      referenceId !== undefined &&
      referenceId !== null &&
      (typeof referenceId !== 'string' || referenceId.length > 256)
    ) {
      throw new TributaryError('bad_request', 'reference_id must be a string of at most 256 characters', {
        parameter: 'reference_id',
      });
    }
    return { reference_id: referenceId };
  }),
  responses: {
    201: json(
      'The user, connected; an `auth` event is sent',
      z.object({
        status: z.literal('success'),
        user_id: z.string(),
        sdk_secret: z
          .string()
          .describe('Credential of this user for /v2/sdk/users/{user_id}/samples; shown once, stored hashed'),
        reference_id: z.string().nullable(),
      }),
    ),
    401: apiError('Missing or unknown token'),
    410: apiError('Token already used or expired'),
  },
});

export const uploadSamples = defineRoute({
  method: 'post',
  path: '/v2/sdk/users/{user_id}/samples',
  tag: TAG,
  public: true,
  summary: 'Upload a batch of HealthKit samples, workouts and activity summaries',
  operationId: 'AppleSdk_UploadSamples',
  params: z.object({ user_id: z.string() }),
  headers: [bearerHeader("<the user's sdk_secret>")],
  // Parsed by the route itself (after the user's checks), with AppleHealthBatch; the text is kept verbatim.
  rawBody: { required: true, content: { 'application/json': { schema: schemaRef('AppleHealthBatch') } } },
  responses: {
    200: json(
      'Stored; the days and nights the batch touched were recomputed and changed records went out as events',
      z.object({
        status: z.literal('success'),
        accepted: z.number().int().describe('New samples stored'),
        duplicates: z
          .number()
          .int()
          .describe('Samples already stored (same UUID, or same type, source, start and end)'),
        ignored: z.number().int().describe('Samples of types Tributary does not normalize (kept in the raw batch)'),
        deleted: z.number().int(),
        workouts: z.number().int(),
        days_recomputed: z.number().int(),
        changed: z.record(z.number().int()).describe('Records changed per Terra data type'),
        events: z.number().int(),
      }),
    ),
    400: apiError('The batch does not match the schema (the parameter names the path, e.g. quantity_samples[3].unit)'),
    401: apiError('Wrong sdk_secret for this user_id'),
    403: apiError('The user is deactivated'),
    413: apiError('The batch is larger than TRIBUTARY_MAX_UPLOAD_BYTES'),
  },
});
