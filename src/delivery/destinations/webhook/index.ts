import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
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

/** Bytes a signing secret carries at least (Standard Webhooks: 24 to 64). */
const MIN_SECRET_BYTES = 24;

/** Why a signing secret is refused: it must be `whsec_` + base64 of at least 24 random bytes. */
export function signingSecretProblem(secret: string): string | undefined {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!match || match[1].length % 4 !== 0)
    return 'signing_secret must be whsec_ followed by base64 (omit it and Tributary generates one)';
  const bytes = Buffer.from(match[1], 'base64').length;
  if (bytes < MIN_SECRET_BYTES)
    return `signing_secret must carry at least ${MIN_SECRET_BYTES} bytes after whsec_ (it has ${bytes})`;
  return undefined;
}

/** Terra's webhook destination: one signed JSON POST per event. */
export const webhookDestination: DestinationDefinition<WebhookConfig> = {
  type: 'webhook',
  configSchema: schema,
  secretFields: ['signing_secret'],
  summary:
    "Terra's signed HTTP POST per event (`terra-signature` and Standard Webhooks headers), push or ping; retried with the same `X-Terra-Trace-Id`",
  docs: {
    page: 'README.md#delivery',
    permissions: 'a receiver that accepts POSTs from Tributary',
    testedAgainst: 'a real HTTP receiver checking both signatures',
  },
  contractSuite: 'test/destinations/webhook.test.ts',
  generateSecrets: () => ({ signing_secret: generateSigningSecret() }),
  parseConfig(input) {
    const result = schema.safeParse(input);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw badParameter(String(issue.path[0] ?? 'url'), issue.message);
    }
    return result.data;
  },
  async verify(config, services) {
    // Checked when a secret is set (creation, update), not when a stored one is reopened.
    const weak = signingSecretProblem(config.signing_secret);
    if (weak) throw badParameter('signing_secret', weak);
    await assertHostResolves(new URL(config.url));
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

/**
 * A webhook whose host has no address can never be delivered to: refuse it at creation.
 * Only a definite "no such name" refuses; a resolver that is briefly unreachable does not.
 */
async function assertHostResolves(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return;
  try {
    await lookup(host);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA')
      throw badParameter('url', `url host ${JSON.stringify(host)} does not resolve to any address (${code})`);
  }
}

/** The config schema, for the OpenAPI document (src/api/routes/destinations.ts). */
export { schema as webhookConfigSchema };
