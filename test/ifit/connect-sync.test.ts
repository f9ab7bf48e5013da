import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncService } from '../../src/ingest/sync.ts';
import type { TokenSet } from '../../src/providers/provider.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import type { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';
import { api, expectTerraEvent, IFIT_LOGIN, ifitEnv, startEmulator, submitLogin } from './helpers.ts';

const DAY = 86_400_000;

/**
 * The whole iFit path over HTTP, on each store engine: connect through the hosted form,
 * backfill, reads, polling, history, token refresh and rotation, revocation, re-auth,
 * deauth and tenancy — against the local iFit emulator.
 */
describe.each(ENGINES)('iFit end to end (%s)', (engine) => {
  let emulator: IfitEmulator;
  let accountId: string;
  let t: TestApp;
  let sync: SyncService;
  let userId: string;
  let authUrl: string;

  beforeAll(async () => {
    ({ emulator, accountId } = await startEmulator());
    t = await startTestApp(engine, `ifit-e2e-${engine}`, ifitEnv(emulator));
    sync = t.app.context.sync as SyncService;
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  const events = (type?: string) => t.app.store.events.list(t.devId, { type, limit: 1000 });
  const connection = () => t.app.store.connections.get<TokenSet>(t.devId, userId);
  const logsSince = (ms: number) => emulator.logs(accountId).filter((log) => log.start > ms);

  it('lists IFIT in /v2/integrations once its client id and secret are configured', async () => {
    const { json } = await api(t, 'GET', '/v2/integrations');
    expect(json.providers).toContain('IFIT');
  });

  it('authenticateUser returns a user id and a hosted login form under the public URL', async () => {
    const { status, json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {
      reference_id: 'athlete-42',
      auth_success_redirect_url: 'https://app.example/connected',
      auth_failure_redirect_url: 'https://app.example/failed',
      language: 'en',
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({ status: 'success', user_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    ({ user_id: userId, auth_url: authUrl } = json);
    expect(authUrl.startsWith(`${t.url}/connect/`)).toBe(true);
    const page = await fetch(authUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toMatch(/<form method="post" action="\/connect\/[^"]+">/);
    expect(html).toContain('name="username"');
    expect(html).toContain('name="password"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!app\.example)[a-z]/i);
  });

  it('answers wrong credentials with the form again, status 401 and a clear error', async () => {
    const response = await submitLogin(authUrl, IFIT_LOGIN.username, 'not-my-password');
    expect(response.status).toBe(401);
    expect(response.headers.get('location')).toBeNull();
    const html = await response.text();
    expect(html).toContain('did not accept this email and password');
    expect(html).toContain(`value="${IFIT_LOGIN.username}"`);
    expect((await t.app.store.users.get(t.devId, userId))?.state).toBe('pending');
  });

  it('connects with good credentials: 303 to the success URL, tokens stored sealed, never the password', async () => {
    const response = await submitLogin(authUrl, IFIT_LOGIN.username, IFIT_LOGIN.password);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('https://app.example/connected');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      user_id: userId,
      resource: 'IFIT',
      reference_id: 'athlete-42',
    });
    const stored = await connection();
    expect(stored?.status).toBe('active');
    expect(Object.keys(stored!.credentials!).sort()).toEqual(['accessToken', 'expiresAt', 'refreshToken']);
    const row = await (
      await t.sql()
    ).get<{ credentials_sealed: string }>('SELECT credentials_sealed FROM connections WHERE user_id = ?', [userId]);
    expect(row!.credentials_sealed.startsWith('v1.')).toBe(true);
    expect(row!.credentials_sealed).not.toContain(stored!.credentials!.accessToken);
    const everything = JSON.stringify([await events(), await (await t.sql()).all('SELECT * FROM auth_sessions'), row]);
    expect(everything).not.toContain(IFIT_LOGIN.password);
    const user = await t.app.store.users.get(t.devId, userId);
    expect(user).toMatchObject({ state: 'connected', providerUserId: accountId, referenceId: 'athlete-42' });
  });

  it('emits Terra’s auth success event in the outbox', async () => {
    const [auth] = await events('auth');
    expect(auth!.payload).toMatchObject({
      type: 'auth',
      status: 'success',
      reference_id: 'athlete-42',
      user: { user_id: userId, provider: 'IFIT', reference_id: 'athlete-42', active: true },
    });
    expect(auth!.payload.widget_session_id).toEqual(expect.any(String));
    expectTerraEvent(auth!);
  });

  it('a login link works once', async () => {
    expect((await fetch(authUrl)).status).toBe(410);
    const again = await submitLogin(authUrl, IFIT_LOGIN.username, IFIT_LOGIN.password);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('already been used');
  });

  it('backfills BACKFILL_DAYS days: raw payloads, normalized activities and activity events', async () => {
    await sync.syncNow(t.devId, userId); // waits for the backfill the scheduler started
    const expected = logsSince(Date.now() - 30 * DAY);
    expect(expected.length).toBeGreaterThan(15);
    expect(await t.app.store.records.count(t.devId, userId, 'activity')).toBe(expected.length);
    const raws = await t.app.store.raw.list(t.devId, userId, { provider: 'IFIT' });
    const rawLogs = raws.filter((raw) => raw.dataType === 'activity');
    expect(rawLogs.map((raw) => raw.externalId).sort()).toEqual(expected.map((log) => log.id).sort());
    // Verbatim: the stored body is exactly the emulator's detail payload.
    const one = rawLogs[0]!;
    expect(JSON.parse(one.body.toString('utf8'))).toEqual(
      emulator.logs(accountId).find((log) => log.id === one.externalId),
    );
    expect(raws.some((raw) => raw.dataType === 'ifit_workout')).toBe(true);
    const activityEvents = await events('activity');
    const announced = activityEvents.flatMap((event) =>
      (event.payload.data as { metadata: { summary_id: string } }[]).map((a) => a.metadata.summary_id),
    );
    expect(announced.sort()).toEqual(expected.map((log) => log.id).sort());
    for (const event of activityEvents.slice(0, 3)) expectTerraEvent(event);
  });

  it('serves the activities at /v2/activity with and without samples', async () => {
    const start = new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10);
    const plain = await api(t, 'GET', `/v2/activity?user_id=${userId}&start_date=${start}&to_webhook=false`);
    expect(plain.status).toBe(200);
    expect(plain.json.user.user_id).toBe(userId);
    const ids = new Set(logsSince(Date.now() - 30 * DAY).map((log) => log.id));
    const served = (plain.json.data as { metadata: { summary_id: string } }[]).filter((a) =>
      ids.has(a.metadata.summary_id),
    );
    expect(served).toHaveLength(ids.size);
    expect(JSON.stringify(plain.json.data)).not.toContain('_samples');
    const samples = await api(
      t,
      'GET',
      `/v2/activity?user_id=${userId}&start_date=${start}&to_webhook=false&with_samples=true`,
    );
    const run = (samples.json.data as any[]).find((a) => a.metadata.type === 8 && a.position_data); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(run).toBeDefined();
    expect(run.heart_rate_data.detailed.hr_samples.length).toBeGreaterThan(10);
    expect(run.position_data.position_samples.length).toBeGreaterThan(10);
    expect(run.metadata.name).toEqual(expect.any(String));
    expect(run.polyline_map_data.summary_polyline.length).toBeGreaterThan(10);
  });

  it('finds a new workout by polling with `after`, and a second poll duplicates nothing', async () => {
    const before = (await events('activity')).length;
    const added = emulator.addWorkout(accountId, { type: 'cycle', start: Date.now() - 30 * 60_000 });
    const cursor = (await connection())!.syncState.cursorMs as number;
    expect(cursor).toBe(
      Math.max(
        ...logsSince(0)
          .filter((log) => log.id !== added.id)
          .map((log) => log.start),
      ),
    );
    const requestsBefore = emulator.requests.length;
    await sync.syncNow(t.devId, userId);
    const made = emulator.requests.slice(requestsBefore);
    const list = made.find((request) => request.path === '/v1/activity_logs');
    // `after` = the newest start seen, less a 2-day overlap for consoles that sync late.
    expect(Number(list!.query.after)).toBe(cursor - 2 * DAY);
    // Logs already stored inside the overlap are not fetched again.
    expect(
      made.filter((request) => request.path.startsWith('/v1/activity_logs/')).map((request) => request.path),
    ).toEqual([`/v1/activity_logs/${added.id}`]);
    const after = await events('activity');
    expect(after).toHaveLength(before + 1);
    expect((after.at(-1)!.payload.data as { metadata: { summary_id: string } }[])[0]!.metadata.summary_id).toBe(
      added.id,
    );
    await sync.syncNow(t.devId, userId);
    expect(await events('activity')).toHaveLength(before + 1);
    expect(await t.app.store.records.count(t.devId, userId, 'activity')).toBe(logsSince(Date.now() - 30 * DAY).length);
  });

  it('finds a workout a console synced late (started before the newest one seen)', async () => {
    const late = emulator.addWorkout(accountId, { type: 'elliptical', start: Date.now() - 26 * 3_600_000 });
    await sync.syncNow(t.devId, userId);
    expect(await t.app.store.records.get(t.devId, userId, 'activity', late.id)).toBeDefined();
  });

  it('fetches an older, unsynced period from iFit when it is read', async () => {
    const older = emulator.logs(accountId).filter((log) => log.start <= Date.now() - 30 * DAY);
    expect(older.length).toBeGreaterThan(0);
    const start = new Date(Date.now() - 41 * DAY).toISOString().slice(0, 10);
    const { json } = await api(t, 'GET', `/v2/activity?user_id=${userId}&start_date=${start}&to_webhook=false`);
    const served = new Set((json.data as { metadata: { summary_id: string } }[]).map((a) => a.metadata.summary_id));
    for (const log of emulator.logs(accountId)) expect(served.has(log.id)).toBe(true);
    // The period is now synced: reading it again asks iFit nothing.
    const requestsBefore = emulator.requests.length;
    await api(t, 'GET', `/v2/activity?user_id=${userId}&start_date=${start}&to_webhook=false`);
    expect(emulator.requests.length).toBe(requestsBefore);
  });

  it('refreshes an access token before it expires, and rotates the refresh token', async () => {
    const old = (await connection())!.credentials!;
    await t.app.store.connections.update(t.devId, userId, { credentials: { ...old, expiresAt: Date.now() + 1000 } });
    const requestsBefore = emulator.requests.length;
    await sync.syncNow(t.devId, userId);
    const made = emulator.requests.slice(requestsBefore);
    expect(made[0]).toMatchObject({ path: '/oauth/token', grantType: 'refresh_token', status: 200 });
    expect(made.some((request) => request.status === 401)).toBe(false);
    const fresh = (await connection())!.credentials!;
    expect(fresh.refreshToken).not.toBe(old.refreshToken);
    expect(fresh.accessToken).not.toBe(old.accessToken);
    expect(fresh.expiresAt).toBeGreaterThan(Date.now() + 3000 * 1000);
  });

  it('refreshes after a 401 and retries the call', async () => {
    const old = (await connection())!.credentials!;
    emulator.expireAccessTokens(accountId);
    emulator.addWorkout(accountId, { type: 'row', start: Date.now() - 20 * 60_000 });
    const requestsBefore = emulator.requests.length;
    await sync.syncNow(t.devId, userId);
    const made = emulator.requests.slice(requestsBefore).map((request) => `${request.status} ${request.path}`);
    expect(made.slice(0, 3)).toEqual(['401 /v1/activity_logs', '200 /oauth/token', '200 /v1/activity_logs']);
    expect((await connection())!.credentials!.refreshToken).not.toBe(old.refreshToken);
    expect(await t.app.store.records.count(t.devId, userId, 'activity')).toBe(emulator.logs(accountId).length); // history included
  });

  it('never runs two refreshes of one connection at once', async () => {
    const current = (await connection())!.credentials!;
    const provider = t.app.context.providers.get('IFIT')!;
    const requestsBefore = emulator.requests.length;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => sync.tokens.refresh(provider, t.devId, userId, current)),
    );
    expect(new Set(results.map((tokens) => tokens.accessToken)).size).toBe(1);
    expect(
      emulator.requests.slice(requestsBefore).filter((request) => request.grantType === 'refresh_token'),
    ).toHaveLength(1);
    expect((await connection())!.credentials!.accessToken).toBe(results[0]!.accessToken);
  });

  it('honours a 429 Retry-After and retries 5xx during a poll', async () => {
    emulator.addWorkout(accountId, { type: 'walk', start: Date.now() - 10 * 60_000 });
    emulator.failNext({ path: '/v1/activity_logs' }, { status: 429, headers: { 'retry-after': '1' } });
    emulator.failNext({ path: /^\/v1\/activity_logs\/[0-9a-f]+$/ }, { status: 503 });
    const requestsBefore = emulator.requests.length;
    await sync.syncNow(t.devId, userId);
    const made = emulator.requests.slice(requestsBefore);
    const limited = made.findIndex((request) => request.status === 429);
    expect(made[limited + 1]!.at - made[limited]!.at).toBeGreaterThanOrEqual(950);
    expect(made.some((request) => request.status === 503)).toBe(true);
    expect(await t.app.store.records.count(t.devId, userId, 'activity')).toBe(emulator.logs(accountId).length); // history included
  });

  it('reschedules the connection when iFit asks for a long pause', async () => {
    emulator.failNext({ path: '/v1/activity_logs' }, { status: 429, headers: { 'retry-after': '7200' } });
    await sync.syncNow(t.devId, userId);
    const next = (await connection())!.nextSyncAt!;
    expect(next).toBeGreaterThan(Date.now() + 7000 * 1000);
    expect((await connection())!.status).toBe('active');
    const [hit] = await t.app.store.events.list(t.devId, { userId, type: 'rate_limit_hit' });
    expect(hit?.payload).toMatchObject({
      type: 'rate_limit_hit',
      user: { user_id: userId },
      retrying_at: new Date(next).toISOString(),
    });
    expectTerraEvent(hit!);
    // Every worker now waits for iFit's Retry-After; end the pause for the next tests.
    expect(await t.app.store.providerBudgets.blockedUntil('IFIT')).toBeGreaterThan(Date.now() + 7000 * 1000);
    await (await t.sql()).run('DELETE FROM provider_rate_blocks');
  });

  it('another developer gets 404 for this user', async () => {
    const other = await t.otherDeveloper();
    const start = new Date(Date.now() - 5 * DAY).toISOString().slice(0, 10);
    expect(
      (
        await api(
          t,
          'GET',
          `/v2/activity?user_id=${userId}&start_date=${start}&to_webhook=false`,
          undefined,
          other.headers,
        )
      ).status,
    ).toBe(404);
    expect(
      (await api(t, 'DELETE', `/v2/auth/deauthenticateUser?user_id=${userId}`, undefined, other.headers)).status,
    ).toBe(404);
    expect((await connection())?.status).toBe('active');
  });

  it('a revoked refresh token stops polling with a connection_error event', async () => {
    emulator.revokeTokens(accountId);
    await sync.syncNow(t.devId, userId);
    const stopped = await connection();
    expect(stopped).toMatchObject({ status: 'revoked', nextSyncAt: null });
    expect((await t.app.store.users.get(t.devId, userId))?.state).toBe('error');
    const [event] = await events('connection_error');
    expect(event!.payload).toMatchObject({ type: 'connection_error', status: 'warning', user: { user_id: userId } });
    expectTerraEvent(event!);
    const requestsBefore = emulator.requests.length;
    expect(await sync.runDue(Date.now() + 10 * DAY)).toBe(0);
    expect(emulator.requests.length).toBe(requestsBefore);
  });

  it('reconnecting the same iFit account replaces the old user (user_reauth)', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', { reference_id: 'athlete-42' });
    const response = await submitLogin(json.auth_url, IFIT_LOGIN.username, IFIT_LOGIN.password);
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get('location')!).pathname).toBe('/auth/success');
    const [reauth] = await events('user_reauth');
    expect(reauth!.payload).toMatchObject({
      type: 'user_reauth',
      status: 'warning',
      old_user: { user_id: userId },
      new_user: { user_id: json.user_id },
    });
    expectTerraEvent(reauth!);
    expect(await t.app.store.users.get(t.devId, userId)).toBeUndefined();
    userId = json.user_id;
    await sync.syncNow(t.devId, userId);
    expect(await t.app.store.records.count(t.devId, userId, 'activity')).toBe(logsSince(Date.now() - 30 * DAY).length);
  });

  it('deauthenticateUser: deauth event, tokens deleted, no more calls to iFit', async () => {
    const { status, json } = await api(t, 'DELETE', `/v2/auth/deauthenticateUser?user_id=${userId}`);
    expect(status).toBe(200);
    expect(json).toEqual({ status: 'success' });
    const [deauth] = await events('deauth');
    expect(deauth!.payload).toMatchObject({ type: 'deauth', status: 'success', user: { user_id: userId } });
    expectTerraEvent(deauth!);
    expect(await connection()).toBeUndefined();
    const requestsBefore = emulator.requests.length;
    emulator.addWorkout(accountId, { type: 'hike' });
    expect(await sync.runDue(Date.now() + 10 * DAY)).toBe(0);
    await expect(sync.syncNow(t.devId, userId)).rejects.toThrow(/no connection/);
    const start = new Date(Date.now() - 40 * DAY).toISOString().slice(0, 10);
    expect((await api(t, 'GET', `/v2/activity?user_id=${userId}&start_date=${start}&to_webhook=false`)).status).toBe(
      404,
    );
    expect(emulator.requests.length).toBe(requestsBefore);
  });
});
