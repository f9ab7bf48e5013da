import { createHmac } from 'node:crypto';
import { newSecret } from '../../../core/ids.ts';

/**
 * Webhook signatures. One signing secret serves both schemes:
 * - Terra: `terra-signature: t=<unix s>,v1=<hex HMAC-SHA256(secret as UTF-8, "<t>.<body>")>`
 *   (what `verifyTerraWebhookSignature` from npm terra-api checks);
 * - Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256(base64-decoded secret
 *   after "whsec_", "<id>.<t>.<body>")>`, with `webhook-id` and `webhook-timestamp`.
 * The secret is therefore shaped `whsec_<base64>`, as Standard Webhooks expects.
 */
export function generateSigningSecret(): string {
  return `whsec_${Buffer.from(newSecret(32), 'base64url').toString('base64')}`;
}

export function terraSignature(secret: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

export function standardWebhookSignature(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`, 'utf8').digest('base64')}`;
}

/** Every header that signs and identifies one POST. */
export function signedHeaders(input: {
  secret: string;
  body: string;
  traceId: string;
  orderingTimestamp: number;
  reference: string | null;
  nowSeconds: number;
}): Record<string, string> {
  const signature = terraSignature(input.secret, input.nowSeconds, input.body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'terra-signature': signature,
    // Terra's newer name for the same value; receivers may read either.
    'x-terra-signature': signature,
    'x-terra-trace-id': input.traceId,
    'x-terra-ordering-timestamp': String(input.orderingTimestamp),
    'webhook-id': input.traceId,
    'webhook-timestamp': String(input.nowSeconds),
    'webhook-signature': standardWebhookSignature(input.secret, input.traceId, input.nowSeconds, input.body),
  };
  if (input.reference) headers['terra-reference'] = input.reference;
  return headers;
}
