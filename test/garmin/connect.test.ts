import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { expectTerraEvent } from '../ifit/helpers.ts';
import { GarminEmulator } from '../emulators/garmin/garmin-emulator.ts';
import { api, connectGarmin, garminEnv } from './helpers.ts';

/** Garmin's OAuth2 PKCE connect, end to end through the HTTP API (issue 13 items 1 and 8). */
describe.each(ENGINES)('Garmin connect (%s)', (engine) => {
  const garmin = new GarminEmulator();
  let t: TestApp;

  beforeAll(async () => {
    await garmin.start();
    t = await startTestApp(engine, `garmin-connect-${engine}`, garminEnv(garmin));
  });
  afterAll(async () => {
    await t?.close();
    await garmin.close();
  });

  it('is offered in /v2/integrations once configured', async () => {
    const { json } = await api(t, 'GET', '/v2/integrations');
    expect(JSON.stringify(json)).toContain('GARMIN');
  });

  it('grant: PKCE S256 at oauth2Confirm, the code exchanged, Garmin user id and permissions stored', async () => {
    const account = garmin.addAccount({ permissions: ['ACTIVITY_EXPORT', 'HEALTH_EXPORT'] });
    garmin.setConsent({ grant: true, accountId: account.id });
    const { userId, authUrl, final } = await connectGarmin(t);
    const authorize = new URL(authUrl);
    expect(authorize.pathname).toBe('/oauth2Confirm');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${t.url}/oauth/garmin/callback`);
    expect(authorize.searchParams.has('scope')).toBe(false); // Garmin's scope is fixed per application
    expect(final.status).toBe(303);
    const user = await t.app.store.users.get(t.devId, userId);
    expect(user).toMatchObject({
      state: 'connected',
      providerUserId: account.id,
      scopes: 'ACTIVITY_EXPORT,HEALTH_EXPORT',
    });
    const [auth] = await t.app.store.events.list(t.devId, { userId, type: 'auth' });
    expect(auth!.payload).toMatchObject({ status: 'success', user: { provider: 'GARMIN' } });
    expectTerraEvent(auth!);
    const token = garmin.requests.find((r) => r.path === '/di-oauth2-service/oauth/token');
    expect(token).toMatchObject({ grantType: 'authorization_code', status: 200 });
  });

  it('deny: Terra’s failure redirect and an auth error event', async () => {
    garmin.setConsent({ grant: false });
    const { userId, final } = await connectGarmin(t);
    expect(final.status).toBe(303);
    expect(final.headers.get('location')).toMatch(/reason=/);
    const [auth] = await t.app.store.events.list(t.devId, { userId, type: 'auth' });
    expect(auth!.payload).toMatchObject({ status: 'error' });
  });

  it('deauth deletes the registration at Garmin, which then sends a deregistration (ignored: the user is gone)', async () => {
    const account = garmin.addAccount();
    garmin.webhookUrl = `${t.url}/providers/garmin/webhook`;
    garmin.setConsent({ grant: true, accountId: account.id });
    const { userId } = await connectGarmin(t);
    const answer = await api(t, 'DELETE', `/v2/auth/deauthenticateUser?user_id=${userId}`);
    expect(answer.status).toBe(200);
    expect(garmin.apiRequests('/wellness-api/rest/user/registration').at(-1)).toMatchObject({
      method: 'DELETE',
      status: 204,
    });
    expect(garmin.hasGrant(account.id)).toBe(false);
    await garmin.settled();
    expect(garmin.deliveries.at(-1)).toMatchObject({ status: 200 });
    expect(await t.app.store.events.list(t.devId, { userId, type: 'access_revoked' })).toEqual([]);
  });
});
