import { describe, expect, it } from 'vitest';
import { createProviderRegistry, PROVIDER_DEFINITIONS } from './registry.ts';

describe('provider registry', () => {
  it('every definition declares its variables, setup and docs', () => {
    for (const definition of PROVIDER_DEFINITIONS) {
      expect(definition.docs.length, definition.capabilities.name).toBeGreaterThan(20);
      expect(['none', 'api_client', 'oauth_app']).toContain(definition.setup.kind);
      for (const setting of definition.settings) expect(setting.key).toMatch(/^[A-Z0-9_]+$/);
    }
  });

  it('offers an OAuth2 provider only when its client id and secret are set', () => {
    const environment = { publicUrl: 'http://127.0.0.1:1' };
    expect(createProviderRegistry({}, environment).get('OURA')).toBeUndefined();
    const configured = createProviderRegistry({ oura: { CLIENT_ID: 'id', CLIENT_SECRET: 'secret' } }, environment);
    expect(configured.get('oura')?.capabilities.auth).toBe('oauth2');
    expect(() => createProviderRegistry({ oura: { CLIENT_ID: 'id' } }, environment)).toThrow(
      /TRIBUTARY_PROVIDER_OURA_CLIENT_SECRET must be set together with TRIBUTARY_PROVIDER_OURA_CLIENT_ID/,
    );
  });

  it('refuses a misspelt variable, naming it and the ones the provider reads', () => {
    expect(() =>
      createProviderRegistry({ oura: { CLIENT_ID: 'id', CLIENT_SECRT: 'x' } }, { publicUrl: 'http://127.0.0.1:1' }),
    ).toThrow(
      /TRIBUTARY_PROVIDER_OURA_CLIENT_SECRT is not a setting of Oura; it reads: .*TRIBUTARY_PROVIDER_OURA_CLIENT_SECRET/,
    );
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() =>
      createProviderRegistry(
        { oura: { CLIENT_ID: 'id', CLIENT_SECRET: 's', BASE_URL: 'ftp://x' } },
        { publicUrl: 'http://127.0.0.1:1' },
      ),
    ).toThrow(/TRIBUTARY_PROVIDER_OURA_BASE_URL must be an http\(s\) URL/);
  });
});
