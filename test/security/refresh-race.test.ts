import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenKeeper } from '../../src/ingest/token-keeper.ts';
import type { SyncService } from '../../src/ingest/sync.ts';
import type { TokenSet } from '../../src/providers/provider.ts';
import type { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { api, IFIT_LOGIN, ifitEnv, startEmulator, submitLogin } from '../ifit/helpers.ts';

/**
 * Issue 10 (Low): a refresh race between two processes must not mark a healthy connection
 * revoked. iFit rotates refresh tokens (single use): two processes refreshing one connection
 * at the same moment would spend the token twice, and the loser's `invalid_grant` would read
 * as a revoked grant. The keeper's lease in the store (`refresh:<dev>:<user>`, shared with
 * OAuth2 providers) lets exactly one of them call iFit; the others adopt its token set.
 */
describe.each(ENGINES)('iFit token refresh across processes (%s)', (engine) => {
  let emulator: IfitEmulator;
  let t: TestApp;

  beforeAll(async () => {
    ({ emulator } = await startEmulator());
    t = await startTestApp(engine, `refresh-race-${engine}`, ifitEnv(emulator));
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  it('four processes refreshing at once: one refresh grant, one token set, the connection stays active', async () => {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {});
    expect((await submitLogin(json.auth_url, IFIT_LOGIN.username, IFIT_LOGIN.password)).status).toBe(303);
    const userId = String(json.user_id);
    const provider = t.app.context.providers.get('IFIT')!;
    const used = (await t.app.store.connections.get<TokenSet>(t.devId, userId))!.credentials!;
    const grantsBefore = emulator.requests.filter((r) => r.grantType === 'refresh_token').length;

    // Four keepers = four processes on one store, each with its own in-process single flight.
    const keepers = Array.from({ length: 4 }, () => new TokenKeeper(t.app.store, { waitStepMs: 20 }));
    const results = await Promise.all(keepers.map((keeper) => keeper.refresh(provider, t.devId, userId, used)));

    const grants = emulator.requests.filter((r) => r.grantType === 'refresh_token');
    expect(grants.length - grantsBefore).toBe(1);
    expect(grants.at(-1)!.status).toBe(200);
    const stored = (await t.app.store.connections.get<TokenSet>(t.devId, userId))!;
    expect(stored.status).toBe('active');
    for (const result of results) {
      expect(result.accessToken).toBe(stored.credentials!.accessToken);
      expect(result.refreshToken).toBe(stored.credentials!.refreshToken);
    }
    expect(stored.credentials!.refreshToken).not.toBe(used.refreshToken);

    // The stored set is the live one: a sync with it succeeds and keeps the connection active.
    await (t.app.context.sync as SyncService).syncNow(t.devId, userId);
    expect((await t.app.store.connections.get(t.devId, userId))!.status).toBe('active');
  });
});
