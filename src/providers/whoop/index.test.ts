import { describe, expect, it } from 'vitest';
import { createProviderRegistry } from '../registry.ts';
import { WHOOP } from './index.ts';

const environment = { publicUrl: 'http://127.0.0.1:1' };

describe('WHOOP configuration (TRIBUTARY_PROVIDER_WHOOP_*)', () => {
  it('is offered only when the client id and secret are set', () => {
    expect(WHOOP.configure({}, environment)).toBeUndefined();
    expect(createProviderRegistry({}, environment).get('WHOOP')).toBeUndefined();
    expect(() => createProviderRegistry({ whoop: { CLIENT_ID: 'id' } }, environment)).toThrow(
      /TRIBUTARY_PROVIDER_WHOOP_CLIENT_SECRET must be set together with TRIBUTARY_PROVIDER_WHOOP_CLIENT_ID/,
    );
  });

  it('configured: OAuth2 at WHOOP’s hosts with the offline scope, polling, webhooks, the 100/min budget', () => {
    const provider = createProviderRegistry({ whoop: { CLIENT_ID: 'id', CLIENT_SECRET: 's' } }, environment).get(
      'whoop',
    )!;
    expect(provider.capabilities).toMatchObject({ name: 'WHOOP', auth: 'oauth2', sync: 'poll' });
    const url = new URL(
      provider.oauth2!.authorizeUrl({ state: 's'.repeat(32), codeChallenge: 'c', redirectUri: 'http://x/cb' }),
    );
    expect(url.origin + url.pathname).toBe('https://api.prod.whoop.com/oauth/oauth2/auth');
    expect(url.searchParams.get('scope')!.split(' ')).toContain('offline');
    expect(provider.polling).toMatchObject({ intervalMs: 21_600_000, backfillDays: 30 });
    expect(provider.webhooks?.methods).toEqual(['POST']);
    expect(provider.webhooks?.handshake).toBeUndefined();
    expect(provider.rateLimit).toEqual({ requests: 100, windowSeconds: 60 });
    expect(provider.revokeAccess).toBeTypeOf('function');
  });

  it('refuses a base URL that is not http(s), naming the variable', () => {
    expect(() => WHOOP.configure({ CLIENT_ID: 'id', CLIENT_SECRET: 's', AUTH_BASE_URL: 'whoop' }, environment)).toThrow(
      /TRIBUTARY_PROVIDER_WHOOP_AUTH_BASE_URL must be an http\(s\) URL/,
    );
  });
});
