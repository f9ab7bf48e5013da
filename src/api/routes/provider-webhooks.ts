import type { FastifyRequest } from 'fastify';
import { TributaryError } from '../../core/errors.ts';
import type { WebhookRequest } from '../../providers/provider.ts';
import type { RouteModule } from '../context.ts';
import { describeTag, registerOperations, type OperationObject } from '../openapi/index.ts';

describeTag(
  'Provider webhooks',
  'Where providers push notifications (outside /v2, no API key: each provider’s handshake and signature authenticate it). Register TRIBUTARY_PUBLIC_URL + the path at the provider, provider in lower case.',
);
const providerParam = {
  name: 'provider',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'e.g. oura',
};
const answer = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});
const operation = (summary: string, responses: OperationObject['responses']): OperationObject => ({
  summary,
  parameters: [providerParam],
  responses,
});
registerOperations(
  {
    method: 'get',
    path: '/providers/{provider}/webhook',
    tag: 'Provider webhooks',
    operation: operation('The provider’s verification handshake (Oura: verification_token + challenge → {challenge})', {
      '200': answer('Handshake answered'),
      '401': answer('Wrong verification token'),
      '404': answer('No webhook for this provider (not configured)'),
      '405': answer('The provider does not call with this method'),
    }),
  },
  {
    method: 'post',
    path: '/providers/{provider}/webhook',
    tag: 'Provider webhooks',
    operation: operation(
      'A notification: signature checked, stored verbatim, acknowledged, then processed from the queue',
      {
        '200': answer('Stored (or a duplicate of a stored one): {status, notification_id, duplicate}'),
        '401': answer('Bad signature: nothing stored'),
        '404': answer('No webhook for this provider'),
        '413': answer('Body too large'),
      },
    ),
  },
);

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
    const handle = async (request: FastifyRequest) => {
      if (!ctx.providerNotifications)
        throw new TributaryError('internal', 'provider notifications are not wired into this server');
      const { provider } = request.params as { provider: string };
      const webhookRequest: WebhookRequest = {
        method: request.method as WebhookRequest['method'],
        query: stringsOf(request.query),
        headers: stringsOf(request.headers),
        rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      };
      return ctx.providerNotifications.receive(provider, webhookRequest);
    };
    scope.get('/providers/:provider/webhook', async (request, reply) => {
      const { status, body } = await handle(request);
      return reply.status(status).send(body);
    });
    scope.post('/providers/:provider/webhook', async (request, reply) => {
      const { status, body } = await handle(request);
      return reply.status(status).send(body);
    });
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
