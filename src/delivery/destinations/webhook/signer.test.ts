import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { verifyTerraWebhookSignature } from 'terra-api';
import { describe, expect, it } from 'vitest';
import { generateSigningSecret, signedHeaders, standardWebhookSignature, terraSignature } from './signer.ts';

describe('webhook signatures', () => {
  const secret = generateSigningSecret();
  const body = '{"type":"healthcheck","status":"success"}';

  it('computes Terra\'s scheme: hex HMAC-SHA256 of "<t>.<raw body>" keyed by the secret text', () => {
    const header = terraSignature('test_secret', 1723808700, body);
    expect(header).toBe(
      `t=1723808700,v1=${createHmac('sha256', 'test_secret').update(`1723808700.${body}`).digest('hex')}`,
    );
    expect(header).toMatch(/^t=1723808700,v1=[0-9a-f]{64}$/);
  });

  it('is accepted by terra-api and rejected for another body, secret or a stale timestamp', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(verifyTerraWebhookSignature(body, terraSignature(secret, now, body), secret)).resolves.toBe(true);
    await expect(
      verifyTerraWebhookSignature(body.replace('success', 'error'), terraSignature(secret, now, body), secret),
    ).rejects.toThrow();
    await expect(
      verifyTerraWebhookSignature(body, terraSignature(secret, now, body), generateSigningSecret()),
    ).rejects.toThrow();
    await expect(verifyTerraWebhookSignature(body, terraSignature(secret, now - 3600, body), secret)).rejects.toThrow();
  });

  it('matches the standardwebhooks reference signer and verifier', () => {
    const at = new Date(1_700_000_000_000);
    const seconds = Math.floor(at.getTime() / 1000);
    expect(standardWebhookSignature(secret, 'msg_1', seconds, body)).toBe(new Webhook(secret).sign('msg_1', at, body));
    const headers = signedHeaders({
      secret,
      body,
      traceId: 'trace-1',
      orderingTimestamp: 1,
      reference: 'ref',
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(headers['x-terra-signature']).toBe(headers['terra-signature']);
    expect(headers).toMatchObject({
      'terra-reference': 'ref',
      'x-terra-trace-id': 'trace-1',
      'webhook-id': 'trace-1',
      'x-terra-ordering-timestamp': '1',
    });
    expect(
      signedHeaders({ secret, body, traceId: 't', orderingTimestamp: 1, reference: null, nowSeconds: 1 })[
        'terra-reference'
      ],
    ).toBeUndefined();
  });
});

describe('signing secrets', () => {
  it('must be whsec_ + base64 of at least 24 bytes (generated ones are)', async () => {
    const { signingSecretProblem } = await import('./index.ts');
    expect(signingSecretProblem(generateSigningSecret())).toBeUndefined();
    expect(signingSecretProblem('whsec_' + Buffer.alloc(24, 9).toString('base64'))).toBeUndefined();
    expect(signingSecretProblem('whsec_' + Buffer.alloc(23, 9).toString('base64'))).toMatch(/at least 24 bytes/);
    expect(signingSecretProblem('sixteen-chars-ok')).toMatch(/whsec_/);
    expect(signingSecretProblem('whsec_not base64!')).toMatch(/base64/);
    expect(signingSecretProblem('whsec_abc')).toMatch(/base64/);
  });
});
