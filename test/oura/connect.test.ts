import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { TokenSet } from '../../src/providers/provider.ts';
import { TokenKeeper, isGrantRevoked } from '../../src/ingest/token-keeper.ts';
import { eventually } from '../delivery/eventually.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { expectTerraEvent } from '../ifit/helpers.ts';
import type { OuraEmulator, OuraAccount } from '../emulators/oura/oura-emulator.ts';
import { api, connectOura, ouraEnv, startOura } from './helpers.ts';

/** The generic OAuth2 connect flow, driven through Oura's emulator. */
describe.each(ENGINES)('OAuth2 connect: Oura (%s)', (engine) => {
  let oura: OuraEmulator;
  let account: OuraAccount;
  let t: TestApp;

  beforeAll(async () => {
    ({ oura, account } = await startOura());
    t = await startTestApp(engine, `oura-connect-${engine}`, ouraEnv(oura));
  });
  afterAll(async () => {
    await t?.close();
    await oura?.close();
  });

  const events = async (type: string, userId?: string) =>
    (await t.app.store.events.list(t.devId, { type, limit: 1000 })).filter((e) => !userId || e.userId === userId);

  it('auth_url is Oura’s authorize page with state, PKCE S256, scopes and the lower-case callback', async () => {
    const { json, status } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=OURA', {});
    expect(status).toBe(200);
    const url = new URL(json.auth_url);
    expect(url.origin + url.pathname).toBe(`${oura.url}/oauth/authorize`);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      response_type: 'code',
      client_id: oura.clientId,
      redirect_uri: `${t.app.config.publicUrl}/oauth/oura/callback`,
      code_challenge_method: 'S256',
      scope: 'email personal daily heartrate workout session spo2Daily',
    });
    expect(params.state).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await t.app.store.users.get(t.devId, json.user_id))?.state).toBe('pending');
  });

  it('grant: code exchanged with the verifier, tokens sealed, scopes on the user, auth success, success redirect', async () => {
    oura.setConsent({ grant: true, accountId: account.id });
    const { userId, final } = await connectOura(t, {
      reference_id: 'ref-grant',
      auth_success_redirect_url: 'https://app.example/ok',
    });
    expect(final.status).toBe(303);
    const location = new URL(final.headers.get('location')!);
    expect(location.origin + location.pathname).toBe('https://app.example/ok');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      user_id: userId,
      resource: 'OURA',
      reference_id: 'ref-grant',
    });
    const user = await t.app.store.users.get(t.devId, userId);
    expect(user).toMatchObject({ state: 'connected', providerUserId: account.id, active: true });
    expect(user!.scopes).toBe('email,personal,daily,heartrate,workout,session,spo2Daily');
    // The token endpoint got the verifier whose S256 is the challenge (the emulator checks; a mismatch fails).
    expect(oura.apiRequests('/oauth/token').at(-1)).toMatchObject({ status: 200, grantType: 'authorization_code' });
    const connection = await t.app.store.connections.get<TokenSet>(t.devId, userId);
    expect(connection!.credentials!.accessToken).toMatch(/^[0-9a-f]{48}$/);
    expect(connection!.credentials!.expiresAt).toBeGreaterThan(Date.now() + 86_000_000);
    const row = await (
      await t.sql()
    ).get<{ credentials_sealed: string }>('SELECT credentials_sealed FROM connections WHERE user_id = ?', [userId]);
    expect(row!.credentials_sealed).not.toContain(connection!.credentials!.accessToken);
    expect(row!.credentials_sealed).not.toContain(connection!.credentials!.refreshToken!);
    const [event] = await events('auth', userId);
    expect(event!.payload).toMatchObject({
      status: 'success',
      reference_id: 'ref-grant',
      user: { user_id: userId, provider: 'OURA' },
    });
    expectTerraEvent(event!);
  });

  it('the scopes Oura grants when they differ from the request are the user’s scopes', async () => {
    const other = oura.addAccount({ id: 'oura-user-scopes' });
    oura.setConsent({ grant: true, accountId: other.id, scopes: ['personal', 'daily'] });
    const { userId, final } = await connectOura(t);
    expect(final.status).toBe(303);
    expect((await t.app.store.users.get(t.devId, userId))!.scopes).toBe('personal,daily');
  });

  it('consent refused: failure redirect with reason, auth error event, the pending user deleted', async () => {
    oura.setConsent({ grant: false });
    const exchangesBefore = oura.apiRequests('/oauth/token').length;
    const { userId, final } = await connectOura(t, {
      reference_id: 'ref-deny',
      auth_failure_redirect_url: 'myapp://connect/failed',
    });
    expect(final.status).toBe(303);
    const location = new URL(final.headers.get('location')!);
    expect(location.protocol).toBe('myapp:');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      user_id: userId,
      resource: 'OURA',
      reference_id: 'ref-deny',
      reason: 'access_denied',
    });
    const [event] = await events('auth', userId);
    expect(event!.payload).toMatchObject({ status: 'error', reason: 'access_denied', provider: 'OURA' });
    expectTerraEvent(event!);
    expect(await t.app.store.users.get(t.devId, userId)).toBeUndefined();
    expect(oura.apiRequests('/oauth/token').length).toBe(exchangesBefore);
  });

  it('state mismatch: an unknown state or another provider’s path is a 400 and changes nothing; a used state is 410', async () => {
    oura.setConsent({ grant: true, accountId: account.id });
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=OURA', {});
    const atProvider = await fetch(json.auth_url, { redirect: 'manual' });
    const callback = new URL(atProvider.headers.get('location')!);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'x'.repeat(32));
    const forgedResponse = await fetch(forged, { redirect: 'manual' });
    expect(forgedResponse.status).toBe(400);
    expect(await forgedResponse.text()).toContain('unknown state');
    const elsewhere = new URL(callback.toString().replace('/oauth/oura/', '/oauth/ifit/'));
    expect((await fetch(elsewhere, { redirect: 'manual' })).status).toBe(400);
    const noState = new URL(callback);
    noState.searchParams.delete('state');
    expect((await fetch(noState, { redirect: 'manual' })).status).toBe(400);
    expect((await t.app.store.users.get(t.devId, json.user_id))?.state).toBe('pending');
    // The real callback still works once; replaying it is refused.
    expect((await fetch(callback, { redirect: 'manual' })).status).toBe(303);
    expect((await fetch(callback, { redirect: 'manual' })).status).toBe(410);
    expect((await t.app.store.users.get(t.devId, json.user_id))?.state).toBe('connected');
  });

  it('a code Oura refuses (replayed or expired) ends the attempt as a failure, not a crash', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=OURA', {});
    const state = new URL(json.auth_url).searchParams.get('state')!;
    const response = await fetch(`${t.url}/oauth/oura/callback?code=not-a-code&state=${state}`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get('location')!).searchParams.get('reason')).toBe('invalid_grant');
    expect(await t.app.store.users.get(t.devId, json.user_id)).toBeUndefined();
  });

  it('reconnecting the same Oura account emits user_reauth and replaces the old user', async () => {
    const again = oura.addAccount({ id: 'oura-user-reauth' });
    oura.setConsent({ grant: true, accountId: again.id });
    const first = await connectOura(t);
    const second = await connectOura(t);
    expect(second.final.status).toBe(303);
    const [event] = await events('user_reauth', second.userId);
    expect(event!.payload).toMatchObject({
      type: 'user_reauth',
      old_user: { user_id: first.userId },
      new_user: { user_id: second.userId },
    });
    expect(await t.app.store.users.get(t.devId, first.userId)).toBeUndefined();
  });

  it('the widget sends the browser to Oura’s authorize page', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/generateWidgetSession', { providers: 'OURA' });
    const page = await (await fetch(json.url)).text();
    expect(page).toContain('Oura');
    const chosen = await fetch(`${json.url}/OURA`, { method: 'POST', redirect: 'manual' });
    expect(chosen.status).toBe(303);
    const location = new URL(chosen.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(`${oura.url}/oauth/authorize`);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('an OAuth2 sign-in link cannot be used as a password form', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=OURA', {});
    const state = new URL(json.auth_url).searchParams.get('state')!;
    expect((await fetch(`${t.url}/connect/${state}`)).status).toBe(404);
  });

  it('refresh rotates the single-use refresh token and stores the new one; a revoked grant is invalid_grant', async () => {
    const rotating = oura.addAccount({ id: 'oura-user-refresh' });
    oura.setConsent({ grant: true, accountId: rotating.id });
    const { userId } = await connectOura(t);
    const before = (await t.app.store.connections.get<TokenSet>(t.devId, userId))!.credentials!;
    oura.expireAccessTokens(rotating.id);
    const keeper = new TokenKeeper(t.app.store);
    const provider = t.app.context.providers.get('OURA')!;
    const fetchInfo = keeper.withAccess(provider, t.devId, userId);
    // The stored token is not yet expired for us, so the 401 triggers the refresh.
    const info = await fetchInfo(async (tokens) => {
      const response = await fetch(`${oura.url}/v2/usercollection/personal_info`, {
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      });
      if (response.status === 401) {
        const { TributaryError } = await import('../../src/core/errors.ts');
        throw new TributaryError('provider_auth_failed', 'rejected', { reason: 'access_token_rejected' });
      }
      return (await response.json()) as { id: string };
    });
    expect(info.id).toBe(rotating.id);
    const after = (await t.app.store.connections.get<TokenSet>(t.devId, userId))!.credentials!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    // The old refresh token is spent at Oura.
    const spent = await fetch(`${oura.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: before.refreshToken!,
        client_id: oura.clientId,
        client_secret: oura.clientSecret,
      }),
    });
    expect(spent.status).toBe(400);
    oura.revokeGrant(rotating.id);
    const refused = await provider.tokenRefresh!.refresh(after).catch((error: unknown) => error);
    expect(isGrantRevoked(refused)).toBe(true);
  });

  it('processes refreshing one connection at once spend its single-use refresh token once (a lease in the store)', async () => {
    const racing = oura.addAccount({ id: 'oura-user-race' });
    oura.setConsent({ grant: true, accountId: racing.id });
    const { userId } = await connectOura(t);
    // The worker's backfill must not be mid-call with the token the race below rotates (its 401 would refresh again).
    await eventually(
      async () => (await t.app.store.connections.get(t.devId, userId))?.syncState.lastSyncAt !== undefined,
      60_000,
      'backfill',
    );
    const used = (await t.app.store.connections.get<TokenSet>(t.devId, userId))!.credentials!;
    const provider = t.app.context.providers.get('OURA')!;
    const before = oura.requests.length;
    // Three keepers = three processes: no shared memory, only the store.
    const results = await Promise.all(
      [1, 2, 3].map(() => new TokenKeeper(t.app.store, { waitStepMs: 20 }).refresh(provider, t.devId, userId, used)),
    );
    const grants = oura.requests.slice(before).filter((r) => r.grantType === 'refresh_token');
    expect(grants).toHaveLength(1);
    expect(grants[0]!.status).toBe(200);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect((await t.app.store.connections.get<TokenSet>(t.devId, userId))!.credentials!.accessToken).toBe(
      results[0]!.accessToken,
    );
  });

  it('deauthentication revokes the grant at Oura, then deletes the user', async () => {
    const leaving = oura.addAccount({ id: 'oura-user-leaving' });
    oura.setConsent({ grant: true, accountId: leaving.id });
    const { userId } = await connectOura(t);
    expect(oura.hasGrant(leaving.id)).toBe(true);
    const { status } = await api(t, 'DELETE', `/v2/auth/deauthenticateUser?user_id=${userId}`);
    expect(status).toBe(200);
    expect(oura.apiRequests('/oauth/revoke').at(-1)).toMatchObject({ status: 200, userId: leaving.id });
    expect(oura.hasGrant(leaving.id)).toBe(false);
    expect(await t.app.store.users.get(t.devId, userId)).toBeUndefined();
    expect((await events('deauth', userId)).length).toBe(1);
  });

  it('deauthentication still succeeds when Oura is down', async () => {
    const { userId } = await (async () => {
      oura.setConsent({ grant: true, accountId: oura.addAccount({ id: 'oura-user-down' }).id });
      return connectOura(t);
    })();
    oura.failNext({ path: '/oauth/revoke' }, { status: 503 });
    const { status } = await api(t, 'DELETE', `/v2/auth/deauthenticateUser?user_id=${userId}`);
    expect(status).toBe(200);
    expect(await t.app.store.users.get(t.devId, userId)).toBeUndefined();
  });

  it('PKCE: a code issued for another challenge cannot be redeemed with this attempt’s verifier', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=OURA', {});
    const tampered = new URL(json.auth_url);
    tampered.searchParams.set('code_challenge', createHash('sha256').update('other').digest('base64url'));
    oura.setConsent({ grant: true, accountId: account.id });
    const atProvider = await fetch(tampered, { redirect: 'manual' });
    const final = await fetch(atProvider.headers.get('location')!, { redirect: 'manual' });
    expect(new URL(final.headers.get('location')!).searchParams.get('reason')).toBe('invalid_grant');
    expect(oura.apiRequests('/oauth/token').at(-1)).toMatchObject({ status: 400, grantType: 'authorization_code' });
  });
});
