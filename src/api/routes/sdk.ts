import type { FastifyRequest } from 'fastify';
import { TributaryError } from '../../core/errors.ts';
import { newSecret } from '../../core/ids.ts';
import { terraUser } from '../../delivery/terra-events.ts';
import { batchJsonSchema, BatchSchema, describeIssue } from '../../providers/apple/index.ts';
import { ingestBatch, PROVIDER } from '../../ingest/apple/ingest.ts';
import type { User } from '../../store/index.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';
import { describeTag, registerOperations, registerSchemas } from '../openapi/index.ts';
import { jsonTooDeep, tooDeepError } from '../json-body.ts';

const json = (description: string, schema: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(description, { $ref: '#/components/schemas/TributaryError' });
const bearerHeader = (what: string) => ({
  name: 'Authorization',
  in: 'header',
  required: true,
  description: `Bearer ${what}`,
  schema: { type: 'string', examples: ['Bearer 3q2-…'] },
});
const { $schema: _schema, $id: _id, ...batchSchema } = batchJsonSchema();
registerSchemas({ AppleHealthBatch: batchSchema });
describeTag(
  'Apple Health SDK',
  'The phone side of Apple Health: exchange the token from /v2/auth/generateAuthToken for a user and its sdk_secret, then post HealthKit batches. Batches are idempotent (sample UUIDs) and may arrive late or out of order; the days they touch are recomputed.',
);
registerOperations(
  {
    method: 'post',
    path: '/v2/sdk/users',
    tag: 'Apple Health SDK',
    operation: {
      summary: 'Create an APPLE user from a single-use SDK token',
      operationId: 'AppleSdk_CreateUser',
      security: [],
      parameters: [bearerHeader('<token from POST /v2/auth/generateAuthToken>')],
      requestBody: {
        required: false,
        content: {
          'application/json': {
            schema: { type: 'object', properties: { reference_id: { type: 'string', maxLength: 256 } } },
          },
        },
      },
      responses: {
        '201': json('The user, connected; an `auth` event is sent', {
          type: 'object',
          properties: {
            status: { const: 'success' },
            user_id: { type: 'string' },
            sdk_secret: {
              type: 'string',
              description: 'Credential of this user for /v2/sdk/users/{user_id}/samples; shown once, stored hashed',
            },
            reference_id: { type: ['string', 'null'] },
          },
          required: ['status', 'user_id', 'sdk_secret'],
        }),
        '401': error('Missing or unknown token'),
        '410': error('Token already used or expired'),
      },
    },
  },
  {
    method: 'post',
    path: '/v2/sdk/users/{user_id}/samples',
    tag: 'Apple Health SDK',
    operation: {
      summary: 'Upload a batch of HealthKit samples, workouts and activity summaries',
      operationId: 'AppleSdk_UploadSamples',
      security: [],
      parameters: [
        { name: 'user_id', in: 'path', required: true, schema: { type: 'string' } },
        bearerHeader("<the user's sdk_secret>"),
      ],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/AppleHealthBatch' } } },
      },
      responses: {
        '200': json(
          'Stored; the days and nights the batch touched were recomputed and changed records went out as events',
          {
            type: 'object',
            properties: {
              status: { const: 'success' },
              accepted: { type: 'integer', description: 'New samples stored' },
              duplicates: {
                type: 'integer',
                description: 'Samples already stored (same UUID, or same type, source, start and end)',
              },
              ignored: {
                type: 'integer',
                description: 'Samples of types Tributary does not normalize (kept in the raw batch)',
              },
              deleted: { type: 'integer' },
              workouts: { type: 'integer' },
              days_recomputed: { type: 'integer' },
              changed: {
                type: 'object',
                additionalProperties: { type: 'integer' },
                description: 'Records changed per Terra data type',
              },
              events: { type: 'integer' },
            },
          },
        ),
        '400': error(
          'The batch does not match the schema (the parameter names the path, e.g. quantity_samples[3].unit)',
        ),
        '401': error('Wrong sdk_secret for this user_id'),
        '403': error('The user is deactivated'),
        '413': error('The batch is larger than TRIBUTARY_MAX_UPLOAD_BYTES'),
      },
    },
  },
  {
    method: 'get',
    path: '/v2/sdk/batch-schema.json',
    tag: 'Apple Health SDK',
    operation: {
      summary: 'The JSON Schema (2020-12) of an Apple Health batch',
      operationId: 'AppleSdk_BatchSchema',
      security: [],
      responses: { '200': json('The schema', { type: 'object' }) },
    },
  },
);

/** Lifetime of a connection token (Terra's example: 180 s). */
export const SDK_TOKEN_TTL_SECONDS = 180;

/**
 * The mobile-SDK flow for Apple Health (Terra's):
 * 1. the app's backend calls `POST /v2/auth/generateAuthToken` (dev-id + x-api-key) and hands
 *    the short-lived, single-use token to the phone;
 * 2. the phone calls `POST /v2/sdk/users` with `Authorization: Bearer <token>` and gets
 *    `{user_id, sdk_secret}`; the user is created with provider APPLE and an `auth` event goes out;
 * 3. the phone posts HealthKit batches to `POST /v2/sdk/users/{user_id}/samples` with
 *    `Authorization: Bearer <sdk_secret>`.
 */
export const sdkRoutes: RouteModule = (app, ctx) => {
  app.post('/auth/generateAuthToken', async (request) => {
    requireAppleEnabled(ctx);
    const developer = developerOf(request);
    if (developer.enabledProviders && !developer.enabledProviders.map((p) => p.toUpperCase()).includes(PROVIDER)) {
      throw new TributaryError('forbidden', 'Apple Health is not enabled for this developer');
    }
    return generateToken(ctx, developer.devId);
  });

  app.get('/sdk/batch-schema.json', { config: { public: true } }, async () => batchJsonSchema());

  app.post('/sdk/users', { config: { public: true } }, async (request, reply) => {
    requireAppleEnabled(ctx);
    const token = bearer(request, 'the token from POST /v2/auth/generateAuthToken');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const referenceId = body.reference_id;
    if (
      referenceId !== undefined &&
      referenceId !== null &&
      (typeof referenceId !== 'string' || referenceId.length > 256)
    ) {
      throw new TributaryError('bad_request', 'reference_id must be a string of at most 256 characters', {
        parameter: 'reference_id',
      });
    }
    const secret = newSecret(32);
    const user = await ctx.store.transaction(async (tx) => {
      const check = await tx.appleSdk.consumeToken(token, Date.now());
      if (!check.ok) {
        if (check.reason === 'unknown')
          throw new TributaryError(
            'unauthorized',
            'invalid SDK token: generate one with POST /v2/auth/generateAuthToken',
          );
        throw new TributaryError(
          'gone',
          check.reason === 'used'
            ? 'this SDK token was already used: tokens are single-use'
            : 'this SDK token has expired: generate a new one',
        );
      }
      const developer = await tx.developers.get(check.devId);
      if (developer?.enabledProviders && !developer.enabledProviders.map((p) => p.toUpperCase()).includes(PROVIDER)) {
        throw new TributaryError('forbidden', 'Apple Health is not enabled for this developer');
      }
      const created = await tx.users.create(check.devId, {
        provider: PROVIDER,
        referenceId: referenceId ?? null,
        state: 'connected',
      });
      await tx.appleSdk.saveCredential(check.devId, created.userId, secret);
      await tx.events.insert(check.devId, { type: 'auth', userId: created.userId, payload: sdkAuthEvent(created) });
      return created;
    });
    ctx.eventsCommitted.notify();
    return reply.status(201).send({
      status: 'success',
      user_id: user.userId,
      sdk_secret: secret,
      reference_id: user.referenceId,
      user: terraUser(user),
    });
  });

  // Batches are kept verbatim: this scope parses JSON itself and keeps the text.
  app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: ctx.config.maxUploadBytes },
      (_request, body, done) => {
        const text = body as string;
        if (jsonTooDeep(text)) return done(tooDeepError());
        try {
          done(null, { text, json: JSON.parse(text) as unknown });
        } catch {
          done(new TributaryError('bad_request', 'request body is not valid JSON', { parameter: 'body' }));
        }
      },
    );
    // The bearer secret is checked in onRequest, before a byte of the (up to 50 MB) body is read.
    const sdkDevIds = new WeakMap<FastifyRequest, string>();
    scope.post(
      '/sdk/users/:user_id/samples',
      {
        config: { public: true },
        bodyLimit: ctx.config.maxUploadBytes,
        onRequest: async (request) => {
          const { user_id: userId } = request.params as { user_id: string };
          const secret = bearer(request, "the user's sdk_secret");
          const devId = await ctx.store.appleSdk.authenticate(userId, secret);
          if (!devId) throw new TributaryError('unauthorized', 'invalid sdk_secret for this user_id');
          sdkDevIds.set(request, devId);
        },
      },
      async (request) => {
        const { user_id: userId } = request.params as { user_id: string };
        const devId = sdkDevIds.get(request)!;
        const user = await ctx.store.users.get(devId, userId);
        if (!user) throw new TributaryError('not_found', `user ${userId} not found`);
        if (!user.active)
          throw new TributaryError('forbidden', 'this user is deactivated: it receives no further data');
        const body = request.body as { text: string; json: unknown } | undefined;
        if (!body) throw new TributaryError('unsupported_media_type', 'send the batch as application/json');
        const parsed = BatchSchema.safeParse(body.json);
        if (!parsed.success) {
          const { path, message } = describeIssue(parsed.error);
          throw new TributaryError('bad_request', `invalid batch: ${message}`, { parameter: path });
        }
        const result = await ingestBatch(ctx.store, user, parsed.data, body.text);
        if (result.events > 0) ctx.eventsCommitted.notify();
        return { status: 'success', user_id: user.userId, ...result };
      },
    );
  });
};

function requireAppleEnabled(ctx: ApiContext): void {
  if (!ctx.providers.get(PROVIDER)) throw new TributaryError('not_found', 'Apple Health is not enabled on this server');
}

async function generateToken(ctx: ApiContext, devId: string) {
  const token = newSecret(32);
  await ctx.store.appleSdk.saveToken(devId, token, Date.now() + SDK_TOKEN_TTL_SECONDS * 1000);
  return { status: 'success', token, expires_in: SDK_TOKEN_TTL_SECONDS };
}

function bearer(request: FastifyRequest, what: string): string {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) throw new TributaryError('unauthorized', `missing Authorization: Bearer header (send ${what})`);
  return match[1];
}

/** Terra's AuthSuccessEvent for a user connected from the phone (no widget session). */
function sdkAuthEvent(user: User): Record<string, unknown> {
  return {
    type: 'auth',
    status: 'success',
    user: terraUser(user),
    reference_id: user.referenceId,
    widget_session_id: null,
    message: 'User has successfully authenticated',
  };
}
