import { describe, expect, it } from 'vitest';
import { TributaryError } from '../../core/errors.ts';
import { IFIT, ifitSettings } from './index.ts';

describe('iFit configuration (TRIBUTARY_PROVIDER_IFIT_*)', () => {
  it('is off until the client id and secret are set', () => {
    expect(ifitSettings({})).toBeUndefined();
    expect(IFIT.configure({ BASE_URL: 'http://127.0.0.1:1' }, { publicUrl: 'http://x' })).toBeUndefined();
  });

  it('has the documented defaults', () => {
    expect(ifitSettings({ CLIENT_ID: 'id', CLIENT_SECRET: 'secret' })).toEqual({
      baseUrl: 'https://api.ifit.com',
      clientId: 'id',
      clientSecret: 'secret',
      pollSeconds: 900,
      backfillDays: 30,
    });
  });

  it('declares its capabilities as data and offers login, refresh and polling', () => {
    const provider = IFIT.configure(
      { CLIENT_ID: 'id', CLIENT_SECRET: 'secret', POLL_SECONDS: '60', BACKFILL_DAYS: '7' },
      { publicUrl: 'http://x' },
    )!;
    expect(provider.capabilities).toMatchObject({
      name: 'IFIT',
      auth: 'password',
      sync: 'poll',
      dataTypes: ['activity'],
      sdkOnly: false,
    });
    expect(provider.passwordLogin).toBeDefined();
    expect(provider.tokenRefresh).toBeDefined();
    expect(provider.polling).toMatchObject({ intervalMs: 60_000, backfillDays: 7 });
  });

  it.each([
    [{ CLIENT_ID: 'id' }, 'TRIBUTARY_PROVIDER_IFIT_CLIENT_SECRET'],
    [{ CLIENT_SECRET: 's' }, 'TRIBUTARY_PROVIDER_IFIT_CLIENT_ID'],
    [{ CLIENT_ID: 'id', CLIENT_SECRET: 's', POLL_SECONDS: 'soon' }, 'TRIBUTARY_PROVIDER_IFIT_POLL_SECONDS'],
    [{ CLIENT_ID: 'id', CLIENT_SECRET: 's', BACKFILL_DAYS: '0' }, 'TRIBUTARY_PROVIDER_IFIT_BACKFILL_DAYS'],
    [{ CLIENT_ID: 'id', CLIENT_SECRET: 's', BASE_URL: 'api.ifit.com' }, 'TRIBUTARY_PROVIDER_IFIT_BASE_URL'],
  ])('names the variable of an invalid setting: %j', (settings, variable) => {
    let error: unknown;
    try {
      ifitSettings(settings);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe('config_invalid');
    expect((error as TributaryError).details.variable).toBe(variable);
    expect((error as TributaryError).message).toContain(variable);
  });
});
