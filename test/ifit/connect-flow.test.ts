import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../delivery/eventually.ts';
import { authSessions } from '../../src/auth/auth-sessions.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import type { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';
import { api, expectTerraEvent, IFIT_LOGIN, ifitEnv, startEmulator, submitLogin } from './helpers.ts';

/** The hosted connect flow's edges: cancel, expiry, widget, bad input, other auth kinds. */
describe.each(ENGINES)('connect flow (%s)', (engine) => {
  let emulator: IfitEmulator;
  let t: TestApp;

  beforeAll(async () => {
    ({ emulator } = await startEmulator());
    t = await startTestApp(engine, `ifit-flow-${engine}`, ifitEnv(emulator));
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  const events = (type?: string) => t.app.store.events.list(t.devId, { type, limit: 1000 });

  it('cancel: the failure URL gets Terra’s parameters, an auth error event is emitted, the pending user is gone', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {
      reference_id: 'r-cancel',
      auth_failure_redirect_url: 'myapp://connect/failed',
    });
    const page = await (await fetch(json.auth_url)).text();
    const cancel = /href="([^"]+\/cancel)"/.exec(page)![1]!;
    // Following the link only asks (a prefetch or another site's <img> cancels nothing) …
    const asked = await fetch(new URL(cancel, t.url), { redirect: 'manual' });
    expect(asked.status).toBe(200);
    const confirm = await asked.text();
    expect(confirm).toContain('Cancel connecting?');
    expect(await t.app.store.users.get(t.devId, json.user_id)).toMatchObject({ state: 'pending' });
    expect(await events('auth')).toHaveLength(0);
    // … the user's click on its button (a POST) cancels.
    const action = /<form method="post" action="([^"]+)"/.exec(confirm)![1]!;
    const response = await fetch(new URL(action, t.url), { method: 'POST', redirect: 'manual' });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.protocol).toBe('myapp:');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      user_id: json.user_id,
      resource: 'IFIT',
      reference_id: 'r-cancel',
      reason: 'cancelled',
    });
    const [event] = (await events('auth')).filter((e) => e.payload.status === 'error');
    expect(event!.payload).toMatchObject({
      type: 'auth',
      status: 'error',
      provider: 'IFIT',
      reason: 'cancelled',
      reference_id: 'r-cancel',
      user: { user_id: json.user_id },
    });
    expectTerraEvent(event!);
    expect(await t.app.store.users.get(t.devId, json.user_id)).toBeUndefined();
    expect((await fetch(json.auth_url)).status).toBe(410);
  });

  it('a login link expires after 15 minutes', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {});
    const [session] = await (
      await t.sql()
    ).all<{ expires_ms: number; created_at: string }>(
      'SELECT expires_ms, created_at FROM auth_sessions WHERE user_id = ?',
      [json.user_id],
    );
    expect(Number(session!.expires_ms) - Date.parse(session!.created_at)).toBe(15 * 60_000);
    await (
      await t.sql()
    ).run('UPDATE auth_sessions SET expires_ms = ? WHERE user_id = ?', [Date.now() - 1, json.user_id]);
    const response = await fetch(json.auth_url);
    expect(response.status).toBe(410);
    expect(await response.text()).toContain('expired');
    expect((await submitLogin(json.auth_url, IFIT_LOGIN.username, IFIT_LOGIN.password)).status).toBe(410);
  });

  it('housekeeping deletes users whose login link expired unused a day ago, with an auth error event', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {});
    await (
      await t.sql()
    ).run('UPDATE auth_sessions SET expires_ms = ? WHERE user_id = ?', [Date.now() - 2 * 86_400_000, json.user_id]);
    expect(await authSessions.purgeExpired(t.app.store)).toBeGreaterThanOrEqual(1);
    expect(await t.app.store.users.get(t.devId, json.user_id)).toBeUndefined();
    const [event] = (await events('auth')).filter(
      (e) => (e.payload.user as { user_id: string }).user_id === json.user_id,
    );
    expect(event!.payload).toMatchObject({ type: 'auth', status: 'error', reason: 'expired', provider: 'IFIT' });
    expectTerraEvent(event!);
    expect((await fetch(json.auth_url)).status).toBe(404);
  });

  it('documents the hosted pages in /openapi.json', async () => {
    const document = (await (await fetch(`${t.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/connect/{secret}', '/widget/{secret}', '/v2/auth/authenticateUser']),
    );
  });

  it('an unknown link is a 404 page; the default result pages exist', async () => {
    expect((await fetch(`${t.url}/connect/not-a-real-link-secret-value`)).status).toBe(404);
    const success = await fetch(`${t.url}/auth/success?user_id=x&resource=IFIT&reference_id=null`);
    expect(success.status).toBe(200);
    expect(await success.text()).toContain('iFit is connected');
  });

  it('missing fields re-show the form with 400', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {});
    const response = await submitLogin(json.auth_url, '', '');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Enter both your email and your password');
  });

  it('widget: lists the enabled providers; choosing iFit leads to the same form; the auth event carries the widget session id', async () => {
    const { status, json } = await api(t, 'POST', '/v2/auth/generateWidgetSession', {
      reference_id: 'w-1',
      language: 'en',
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({ status: 'success', session_id: expect.any(String), expires_in: 900 });
    expect(json.url.startsWith(`${t.url}/widget/`)).toBe(true);
    const html = await (await fetch(json.url)).text();
    expect(html).toContain('iFit');
    const action = /action="([^"]+\/IFIT)"/.exec(html)![1]!;
    const chosen = await fetch(new URL(action, t.url), { method: 'POST', redirect: 'manual' });
    expect(chosen.status).toBe(303);
    const loginUrl = chosen.headers.get('location')!;
    expect(loginUrl.startsWith(`${t.url}/connect/`)).toBe(true);
    const done = await submitLogin(loginUrl, IFIT_LOGIN.username, IFIT_LOGIN.password);
    expect(done.status).toBe(303);
    const userId = new URL(done.headers.get('location')!).searchParams.get('user_id');
    const auth = (await events('auth')).find((e) => (e.payload.user as { user_id: string }).user_id === userId)!;
    expect(auth.payload).toMatchObject({ status: 'success', widget_session_id: json.session_id, reference_id: 'w-1' });
    // The worker's background scheduler backfills the new connection by itself.
    const synced = async () => Boolean((await t.app.store.connections.get(t.devId, userId!))?.syncState.lastSyncAt);
    await eventually(synced, 90_000, 'the background backfill');
    expect(await t.app.store.records.count(t.devId, userId!, 'activity')).toBeGreaterThan(15);
  });

  it('widget: a mobile-SDK provider redirects to the success URL with a null user_id, like Terra', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/generateWidgetSession', {
      auth_success_redirect_url: 'https://app.example/ok',
    });
    const html = await (await fetch(json.url)).text();
    const action = /action="([^"]+\/APPLE)"/.exec(html)?.[1];
    expect(action, 'APPLE is listed in the widget').toBeDefined();
    expect(html).toContain('Connect from the mobile app');
    const chosen = await fetch(new URL(action!, t.url), { method: 'POST', redirect: 'manual' });
    expect(chosen.status).toBe(303);
    expect(Object.fromEntries(new URL(chosen.headers.get('location')!).searchParams)).toEqual({
      user_id: 'null',
      resource: 'APPLE',
      reference_id: 'null',
    });
  });

  it('widget: the providers parameter narrows the list and must name known providers', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/generateWidgetSession', { providers: 'IFIT' });
    const html = await (await fetch(json.url)).text();
    expect(html).toContain('/IFIT"');
    expect(html).not.toContain('/APPLE"');
    const bad = await api(t, 'POST', '/v2/auth/generateWidgetSession', { providers: 'IFIT,NOPE' });
    expect(bad.status).toBe(400);
    expect(bad.json.parameter).toBe('resource');
  });

  it('widget: choosing UPLOAD connects at once and leads to its hosted page', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/generateWidgetSession', { reference_id: 'w-upload' });
    const html = await (await fetch(json.url)).text();
    const action = /action="([^"]+\/UPLOAD)"/.exec(html)![1]!;
    const chosen = await fetch(new URL(action, t.url), { method: 'POST', redirect: 'manual' });
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get('location')!.startsWith(t.url)).toBe(true);
    const auth = (await events('auth')).find((e) => e.payload.widget_session_id === json.session_id)!;
    expect(auth.payload).toMatchObject({ status: 'success', reference_id: 'w-upload', user: { provider: 'UPLOAD' } });
    expect((await t.app.store.users.get(t.devId, (auth.payload.user as { user_id: string }).user_id))?.state).toBe(
      'connected',
    );
  });

  it('two simultaneous submits of one link: one connects, the other is told the link was used', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', { reference_id: 'race' });
    const answers = await Promise.all([
      submitLogin(json.auth_url, IFIT_LOGIN.username, IFIT_LOGIN.password),
      submitLogin(json.auth_url, IFIT_LOGIN.username, IFIT_LOGIN.password),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([303, 410]);
    const successes = (await events('auth')).filter(
      (e) => e.payload.status === 'success' && (e.payload.user as { user_id: string }).user_id === json.user_id,
    );
    expect(successes).toHaveLength(1);
  });

  it('APPLE through authenticateUser is a clear 400 pointing to the mobile SDK flow', async () => {
    const { status, json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=APPLE', {});
    expect(status).toBe(400);
    expect(json.message).toContain('/v2/auth/generateAuthToken');
  });

  it('UPLOAD through authenticateUser creates a connected user at once, with the auth event and its hosted page', async () => {
    const { status, json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=UPLOAD', { reference_id: 'u-1' });
    expect(status).toBe(200);
    expect((await t.app.store.users.get(t.devId, json.user_id))?.state).toBe('connected');
    expect(json.auth_url.startsWith(t.url)).toBe(true);
    const auth = (await events('auth')).find((e) => (e.payload.user as { user_id: string }).user_id === json.user_id)!;
    expect(auth.payload).toMatchObject({ status: 'success', reference_id: 'u-1', user: { provider: 'UPLOAD' } });
    expectTerraEvent(auth);
  });

  it('rejects bad input with 400 naming the parameter', async () => {
    const missing = await api(t, 'POST', '/v2/auth/authenticateUser', {});
    expect([missing.status, missing.json.parameter]).toEqual([400, 'resource']);
    const unknown = await api(t, 'POST', '/v2/auth/authenticateUser?resource=FITBIT', {});
    expect([unknown.status, unknown.json.parameter]).toEqual([400, 'resource']);
    expect(unknown.json.message).toContain('IFIT');
    const script = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {
      auth_success_redirect_url: 'javascript:alert(1)',
    });
    expect([script.status, script.json.parameter]).toEqual([400, 'auth_success_redirect_url']);
    const relative = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {
      auth_failure_redirect_url: '/relative',
    });
    expect([relative.status, relative.json.parameter]).toEqual([400, 'auth_failure_redirect_url']);
    const typed = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', { reference_id: 42 });
    expect([typed.status, typed.json.parameter]).toEqual([400, 'reference_id']);
    const noUser = await api(t, 'DELETE', '/v2/auth/deauthenticateUser');
    expect([noUser.status, noUser.json.parameter]).toEqual([400, 'user_id']);
    const unauth = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {}, {});
    expect(unauth.status).toBe(401);
  });

  it('a provider the developer disabled cannot be connected and is not offered', async () => {
    const other = await t.otherDeveloper();
    await t.app.store.developers.setEnabledProviders(other.devId, ['UPLOAD']);
    const refused = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {}, other.headers);
    expect(refused.status).toBe(400);
    expect(refused.json.message).toContain('not enabled');
    const { json } = await api(t, 'POST', '/v2/auth/generateWidgetSession', {}, other.headers);
    const html = await (await fetch(json.url)).text();
    expect(html).not.toContain('/IFIT"');
  });

  it('escapes what came from the request in the pages', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {});
    const response = await submitLogin(json.auth_url, '"><script>alert(1)</script>', 'x');
    expect(response.status).toBe(401);
    const html = await response.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
  });
});
