import type { FastifyRequest } from 'fastify';
import { TributaryError } from '../../core/errors.ts';
import { newSecret } from '../../core/ids.ts';
import { terraUser } from '../../delivery/terra-events.ts';
import { batchJsonSchema, describeIssue } from '../../providers/apple/index.ts';
import { ingestBatch, PROVIDER } from '../../ingest/apple/ingest.ts';
import type { User } from '../../store/index.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';
import { serve } from '../contract/index.ts';
import {
  AppleHealthBatch,
  batchSchemaDocument,
  createSdkUser,
  generateAuthToken,
  uploadSamples,
} from './sdk.contract.ts';
import { jsonTooDeep, tooDeepError } from '../json-body.ts';

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
  serve(app, generateAuthToken, async (_input, request) => {
    requireAppleEnabled(ctx);
    const developer = developerOf(request);
    if (developer.enabledProviders && !developer.enabledProviders.map((p) => p.toUpperCase()).includes(PROVIDER)) {
      throw new TributaryError('forbidden', 'Apple Health is not enabled for this developer');
    }
    return generateToken(ctx, developer.devId);
  });

  serve(app, batchSchemaDocument, async () => batchJsonSchema());

  // The server and the token are checked before the body's fields (a 404 or 401 comes first).
  const tokens = new WeakMap<FastifyRequest, string>();
  const preHandler = async (request: FastifyRequest) => {
    requireAppleEnabled(ctx);
    tokens.set(request, bearer(request, 'the token from POST /v2/auth/generateAuthToken'));
  };
  serve(
    app,
    createSdkUser,
    async ({ body }, request, reply) => {
      const token = tokens.get(request)!;
      const referenceId = body.reference_id;
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
    },
    { preHandler },
  );

  // Batches are kept verbatim: this scope parses JSON itself and keeps the text.
  const verbatimBodies = new WeakMap<FastifyRequest, { text: string; json: unknown }>();
  app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: ctx.config.maxUploadBytes },
      (request, body, done) => {
        const text = body as string;
        if (jsonTooDeep(text)) return done(tooDeepError());
        try {
          const verbatim = { text, json: JSON.parse(text) as unknown };
          verbatimBodies.set(request, verbatim);
          done(null, verbatim);
        } catch {
          done(new TributaryError('bad_request', 'request body is not valid JSON', { parameter: 'body' }));
        }
      },
    );
    // The bearer secret is checked in onRequest, before a byte of the (up to 50 MB) body is read.
    const sdkDevIds = new WeakMap<FastifyRequest, string>();
    serve(
      scope,
      uploadSamples,
      async ({ params: { user_id: userId } }, request) => {
        const devId = sdkDevIds.get(request)!;
        const user = await ctx.store.users.get(devId, userId);
        if (!user) throw new TributaryError('not_found', `user ${userId} not found`);
        if (!user.active)
          throw new TributaryError('forbidden', 'this user is deactivated: it receives no further data');
        const body = verbatimBodies.get(request);
        if (!body) throw new TributaryError('unsupported_media_type', 'send the batch as application/json');
        const parsed = AppleHealthBatch.safeParse(body.json);
        if (!parsed.success) {
          const { path, message } = describeIssue(parsed.error);
          throw new TributaryError('bad_request', `invalid batch: ${message}`, { parameter: path });
        }
        const result = await ingestBatch(ctx.store, user, parsed.data, body.text);
        if (result.events > 0) ctx.eventsCommitted.notify();
        return { status: 'success' as const, user_id: user.userId, ...result };
      },
      {
        bodyLimit: ctx.config.maxUploadBytes,
        onRequest: async (request) => {
          const { user_id: userId } = uploadSamples.params.parse(request.params);
          const secret = bearer(request, "the user's sdk_secret");
          const devId = await ctx.store.appleSdk.authenticate(userId, secret);
          if (!devId) throw new TributaryError('unauthorized', 'invalid sdk_secret for this user_id');
          sdkDevIds.set(request, devId);
        },
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
