import { z } from 'zod';
import { badParameter } from '../../../core/errors.ts';
import type { DestinationDefinition } from '../destination.ts';
import { postOnce } from './sender.ts';
import { signedHeaders, generateSigningSecret } from './signer.ts';
import { assertPublicUrl } from '../ssrf.ts';

export interface WebhookConfig {
  url: string;
  signing_secret: string;
}

const schema = z.object({
  url: z
    .string({ required_error: 'url is required' })
    .url('url must be an absolute http(s) URL')
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'url must use http or https'),
  signing_secret: z.string().min(16, 'signing_secret must be at least 16 characters'),
});

/** Terra's webhook destination: one signed JSON POST per event. */
export const webhookDestination: DestinationDefinition<WebhookConfig> = {
  type: 'webhook',
  configSchema: schema,
  secretFields: ['signing_secret'],
  generateSecrets: () => ({ signing_secret: generateSigningSecret() }),
  parseConfig(input) {
    const result = schema.safeParse(input);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw badParameter(String(issue.path[0] ?? 'url'), issue.message);
    }
    return result.data;
  },
  async verify(config, services) {
    if (services.allowPrivateNetworks !== false) return;
    try {
      await assertPublicUrl(new URL(config.url));
    } catch (error) {
      throw badParameter('url', error instanceof Error ? error.message : String(error));
    }
  },
  open(config, services) {
    const url = new URL(config.url);
    return {
      async deliver(event) {
        const headers = signedHeaders({
          secret: config.signing_secret,
          body: event.body,
          traceId: event.traceId,
          orderingTimestamp: event.orderingTimestamp,
          reference: event.reference,
          nowSeconds: Math.floor(Date.now() / 1000),
        });
        return postOnce({
          url,
          headers,
          body: event.body,
          timeoutMs: services.timeoutMs ?? 8000,
          allowPrivateNetworks: services.allowPrivateNetworks ?? true,
        });
      },
      async close() {},
    };
  },
};

/** The config schema, for the OpenAPI document (src/api/routes/destinations.ts). */
export { schema as webhookConfigSchema };
