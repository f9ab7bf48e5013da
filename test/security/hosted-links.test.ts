import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FAILED_LOGINS } from '../../src/auth/connect.ts';
import type { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';
import { createTributary, type Tributary } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { ENGINES, openTestStore, TEST_KEY, tempDir, testBox, type TestStore } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { api, IFIT_LOGIN, ifitEnv, startEmulator, submitLogin } from '../ifit/helpers.ts';

/** Issue 10, item 11: widget links, password attempts, rate limits. */
describe.each(ENGINES)('hosted links (%s)', (engine) => {
  let emulator: IfitEmulator;
  let t: TestApp;

  beforeAll(async () => {
    ({ emulator } = await startEmulator());
    t = await startTestApp(engine, `hosted-links-${engine}`, ifitEnv(emulator));
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  const usersOf = async () => (await t.app.store.users.list(t.devId)).total;

  it('a widget session creates one user per provider, however often the provider is chosen', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/generateWidgetSession', { reference_id: 'one-user' });
    const html = await (await fetch(json.url)).text();
    const action = new URL(/action="([^"]+\/IFIT)"/.exec(html)![1]!, t.url);
    const before = await usersOf();
    const logins: string[] = [];
    for (let i = 0; i < 6; i++) {
      const chosen = await fetch(action, { method: 'POST', redirect: 'manual' });
      expect(chosen.status).toBe(303);
      logins.push(chosen.headers.get('location')!);
    }
    expect(await usersOf()).toBe(before + 1);
    // The last link connects that one user.
    const done = await submitLogin(logins.at(-1)!, IFIT_LOGIN.username, IFIT_LOGIN.password);
    expect(done.status).toBe(303);
    expect(await usersOf()).toBe(before + 1);
  });

  it('concurrent choices of one provider in one widget session still create one user', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/generateWidgetSession', { reference_id: 'racing' });
    const html = await (await fetch(json.url)).text();
    const action = new URL(/action="([^"]+\/IFIT)"/.exec(html)![1]!, t.url);
    const before = await usersOf();
    const chosen = await Promise.all(
      Array.from({ length: 8 }, () => fetch(action, { method: 'POST', redirect: 'manual' })),
    );
    expect(chosen.map((response) => response.status)).toEqual(Array(8).fill(303));
    expect(await usersOf()).toBe(before + 1);
  });

  it(`a login link allows ${MAX_FAILED_LOGINS} refused passwords, then is spent (the right one no longer works)`, async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {});
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) {
      const refused = await submitLogin(json.auth_url, IFIT_LOGIN.username, `wrong-${i}`);
      expect(refused.status).toBe(401);
      expect(await refused.text()).toContain(`${MAX_FAILED_LOGINS - i} attempt`);
    }
    const last = await submitLogin(json.auth_url, IFIT_LOGIN.username, 'wrong-last');
    expect(last.status).toBe(410);
    expect(await last.text()).toContain('spent');
    const right = await submitLogin(json.auth_url, IFIT_LOGIN.username, IFIT_LOGIN.password);
    expect(right.status).toBe(410);
  });

  it('choosing the provider again in a widget does not reset the attempts', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/generateWidgetSession', {});
    const html = await (await fetch(json.url)).text();
    const action = new URL(/action="([^"]+\/IFIT)"/.exec(html)![1]!, t.url);
    const choose = async () => (await fetch(action, { method: 'POST', redirect: 'manual' })).headers.get('location')!;
    for (let i = 0; i < MAX_FAILED_LOGINS - 1; i++) await submitLogin(await choose(), IFIT_LOGIN.username, `nope-${i}`);
    expect((await submitLogin(await choose(), IFIT_LOGIN.username, 'nope-last')).status).toBe(410);
    const again = await fetch(action, { method: 'POST', redirect: 'manual' });
    expect(again.status).toBe(410);
  });
});

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', 'rate-limits');
  });
  afterAll(async () => t?.close());

  it('refused API keys from one address are answered 429 with Retry-After after 20 in a minute', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const response = await fetch(`${t.url}/v2/subscriptions`, {
        headers: { 'dev-id': t.devId, 'x-api-key': `guess-${i}` },
      });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await response.json()).toMatchObject({ code: 'rate_limited', retry_after_seconds: expect.any(Number) });
      }
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    // A valid key from the same address still passes: a shared address cannot lock developers out.
    expect((await fetch(`${t.url}/v2/subscriptions`, { headers: t.headers })).status).toBe(200);
  });

  it('hosted pages: 120 requests a minute per address, then 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 121; i++) statuses.push((await fetch(`${t.url}/connect/not-a-real-secret-${i}`)).status);
    expect(statuses.slice(0, 120).every((s) => s !== 429)).toBe(true);
    const limited = await fetch(`${t.url}/widget/anything-at-all-here`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

/** Issue 10 item 11: the limits are counted in the store, so app instances share one budget. */
describe.each(ENGINES)('rate limits shared by two app instances on one store (%s)', (engine) => {
  let t: TestStore;
  let apps: Tributary[] = [];
  let urls: string[] = [];
  let devId: string;

  beforeAll(async () => {
    t = await openTestStore(engine, `shared-limits-${engine}`);
    // Each instance has its own connection (pool) to the same database, as another process would.
    const connect = (): Promise<Store> =>
      engine === 'postgres'
        ? openStore({ databaseUrl: t.databaseUrl, schema: t.schema, box: testBox() })
        : openStore({ sqliteFile: t.sqliteFile, box: testBox() });
    apps = [];
    for (const store of [await connect(), await connect()]) {
      const config = loadConfig({
        TRIBUTARY_PORT: '0',
        TRIBUTARY_DATA_DIR: tempDir(),
        TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
        TRIBUTARY_LOG_LEVEL: 'silent',
      });
      apps.push(await createTributary(config, { store, logger: createLogger('silent') }));
    }
    urls = await Promise.all(apps.map((app) => app.listen()));
    devId = (await t.store.developers.create({ name: 'shared limits' })).developer.devId;
  });
  afterAll(async () => {
    // Each app closes its own store.
    for (const app of apps) await app.close();
    await t?.close();
  });

  it('refused API keys: 10 on each instance use up the address’s 20, the next on either is 429', async () => {
    const refuse = (url: string, i: number) =>
      fetch(`${url}/v2/subscriptions`, { headers: { 'dev-id': devId, 'x-api-key': `guess-${i}` } });
    for (let i = 0; i < 10; i++) {
      expect((await refuse(urls[0]!, i)).status).toBe(401);
      expect((await refuse(urls[1]!, i)).status).toBe(401);
    }
    const limited = await refuse(urls[0]!, 99);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await refuse(urls[1]!, 100)).status).toBe(429);
  });

  it('hosted pages: 60 on each instance use up the address’s 120 a minute, then 429 with Retry-After', async () => {
    for (let i = 0; i < 60; i++) {
      expect((await fetch(`${urls[0]}/connect/not-a-real-secret-${i}`)).status).not.toBe(429);
      expect((await fetch(`${urls[1]}/connect/not-a-real-secret-${i}`)).status).not.toBe(429);
    }
    const limited = await fetch(`${urls[1]}/widget/anything-at-all-here`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
