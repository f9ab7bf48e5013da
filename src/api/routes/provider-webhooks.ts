import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TributaryError } from '../../core/errors.ts';
import type { WebhookRequest } from '../../providers/provider.ts';
import type { RouteModule } from '../context.ts';
import { defineRoute, json, serve } from '../contract/index.ts';
import { describeTag } from '../openapi/index.ts';

const TAG = 'Provider webhooks';
describeTag(
  TAG,
  'Where providers push notifications (outside /v2, no API key: each provider’s handshake and signature authenticate it). Register TRIBUTARY_PUBLIC_URL + the path at the provider, provider in lower case.',
);
const params = z.object({ provider: z.string().describe('e.g. oura') });
const answer = (description: string) => json(description, { type: 'object' });

export const providerWebhookHandshake = defineRoute({
  method: 'get',
  path: '/providers/{provider}/webhook',
  tag: TAG,
  summary: 'The provider’s verification handshake (Oura: verification_token + challenge → {challenge})',
  operationId: 'ProviderWebhooks_Handshake',
  public: true,
  params,
  responses: {
    200: answer('Handshake answered'),
    401: answer('Wrong verification token'),
    404: answer('No webhook for this provider (not configured)'),
    405: answer('The provider does not call with this method'),
  },
});

export const providerWebhookNotify = defineRoute({
  method: 'post',
  path: '/providers/{provider}/webhook',
  tag: TAG,
  summary: 'A notification: signature checked, stored verbatim, acknowledged, then processed from the queue',
  operationId: 'ProviderWebhooks_Notify',
  public: true,
  params,
  rawBody: {
    required: false,
    content: { '*/*': { schema: { description: 'The provider’s payload, kept byte for byte (signatures cover it)' } } },
  },
  responses: {
    200: answer('Stored (or a duplicate of a stored one): {status, notification_id, duplicate}'),
    401: answer('Bad signature: nothing stored'),
    404: answer('No webhook for this provider'),
    413: answer('Body too large'),
  },
});

/**
 * `/providers/{provider}/webhook`: the exact request bytes go to ingest/ (signatures are
 * computed over them), so this scope reads every body as a Buffer instead of parsing it.
 */
export const providerWebhookRoutes: RouteModule = async (app, ctx) => {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ctx.config.maxBodyBytes }, (_request, body, done) =>
      done(null, body),
    );
    const handle = async (provider: string, request: FastifyRequest, reply: FastifyReply) => {
      if (!ctx.providerNotifications)
        throw new TributaryError('internal', 'provider notifications are not wired into this server');
      const webhookRequest: WebhookRequest = {
        method: request.method as WebhookRequest['method'],
        query: stringsOf(request.query),
        headers: stringsOf(request.headers),
        rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      };
      const { status, body } = await ctx.providerNotifications.receive(provider, webhookRequest);
      return reply.status(status).send(body);
    };
    serve(scope, providerWebhookHandshake, async ({ params }, request, reply) =>
      handle(params.provider, request, reply),
    );
    serve(scope, providerWebhookNotify, async ({ params }, request, reply) => handle(params.provider, request, reply));
  });
};

function stringsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    if (typeof item === 'string') out[key] = item;
    else if (Array.isArray(item) && typeof item[0] === 'string') out[key] = item[0];
  }
  return out;
}
