import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenKeeper } from '../../src/ingest/token-keeper.ts';
import { SyncService } from '../../src/ingest/sync.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { TokenSet } from '../../src/providers/provider.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import type { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';
import { eventually } from '../delivery/eventually.ts';
import { api, IFIT_LOGIN, ifitEnv, startEmulator, submitLogin } from './helpers.ts';

/** Sync edges: refresh races between processes, access rejected after a refresh, inactive users. */
describe.each(ENGINES)('iFit sync edges (%s)', (engine) => {
  let emulator: IfitEmulator;
  let accountId: string;
  let t: TestApp;
  let sync: SyncService;

  beforeAll(async () => {
    ({ emulator, accountId } = await startEmulator());
    t = await startTestApp(engine, `ifit-edges-${engine}`, ifitEnv(emulator));
    sync = t.app.context.sync as SyncService;
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  async function connect(): Promise<string> {
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {});
    expect((await submitLogin(json.auth_url, IFIT_LOGIN.username, IFIT_LOGIN.password)).status).toBe(303);
    await sync.syncNow(t.devId, json.user_id);
    return json.user_id;
  }

  it('a refresh that loses a race with another process adopts the winner’s rotated tokens', async () => {
    const userId = await connect();
    const provider = t.app.context.providers.get('IFIT')!;
    const used = (await t.app.store.connections.get<TokenSet>(t.devId, userId))!.credentials!;
    // Two keepers = two processes sharing the store; each has its own single-flight map.
    const [a, b] = [new TokenKeeper(t.app.store), new TokenKeeper(t.app.store)];
    const first = await a.refresh(provider, t.devId, userId, used);
    // B still holds the old token set: its refresh token was rotated away by A.
    const forced = { ...used, accessToken: 'stale' };
    await t.app.store.connections.update(t.devId, userId, { credentials: { ...first, accessToken: 'stale' } });
    const second = await b.refresh(provider, t.devId, userId, forced);
    expect(second.refreshToken).not.toBe(used.refreshToken);
    const stored = (await t.app.store.connections.get<TokenSet>(t.devId, userId))!;
    expect(stored.status).toBe('active');
    expect(second.accessToken).toBe(stored.credentials!.accessToken);
  });

  it('a log whose detail fails iFit’s schema is kept raw, logged as an error, and gives no record; the poll goes on', async () => {
    const userId = await connect();
    const log = emulator.addWorkout(accountId, { start: Date.now() - 3_600_000 });
    (log as unknown as { stats: unknown }).stats = 'not a record of series';
    const lines: string[] = [];
    const logged = new SyncService({
      store: t.app.store,
      providers: t.app.context.providers,
      logger: createLogger('info', {}, (line) => lines.push(line)),
      eventsCommitted: t.app.context.eventsCommitted,
    });
    await logged.syncNow(t.devId, userId);
    const connection = await t.app.store.connections.get<unknown, { lastError?: string }>(t.devId, userId);
    expect(connection!.syncState.lastError).toBeUndefined();
    expect(await t.app.store.records.get(t.devId, userId, 'activity', log.id)).toBeUndefined();
    const raw = await t.app.store.raw.list(t.devId, userId, { externalId: log.id });
    expect(raw).toHaveLength(1);
    const entry = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l.externalId === log.id);
    expect(entry).toMatchObject({ level: 'error', msg: 'provider payload kept raw without records', provider: 'IFIT' });
    expect(String(entry!.error)).toMatch(/stats/);
  });

  it('access still rejected after a successful refresh: connection_error, polling stops', async () => {
    const userId = await connect();
    emulator.failNext({ path: '/v1/activity_logs' }, { status: 401, times: 2, body: { error: 'invalid_token' } });
    await sync.syncNow(t.devId, userId);
    const connection = await t.app.store.connections.get(t.devId, userId);
    expect(connection).toMatchObject({ status: 'error', nextSyncAt: null });
    const events = await t.app.store.events.list(t.devId, { userId, type: 'connection_error' });
    expect(events).toHaveLength(1);
    expect(String(events[0]!.payload.message)).toContain('even after a token refresh');
  });

  it('a deactivated user (PATCH active=false) is not polled', async () => {
    const userId = await connect();
    await t.app.store.users.update(t.devId, userId, { active: false });
    emulator.addWorkout(accountId, { type: 'yoga', start: Date.now() - 5 * 60_000 });
    const before = emulator.requests.length;
    await sync.syncNow(t.devId, userId);
    expect(emulator.requests.length).toBe(before);
    expect((await t.app.store.connections.get(t.devId, userId))!.nextSyncAt).toBeGreaterThan(Date.now());
  });

  it('transient failures back off instead of stopping', async () => {
    const userId = await connect();
    emulator.failNext({ path: '/v1/activity_logs' }, { status: 500, times: 4 });
    await sync.syncNow(t.devId, userId);
    const connection = await t.app.store.connections.get(t.devId, userId);
    expect(connection!.status).toBe('active');
    expect(connection!.syncState).toMatchObject({ failures: 1 });
    expect(connection!.nextSyncAt! - Date.now()).toBeLessThanOrEqual(60_000);
    expect(connection!.nextSyncAt! - Date.now()).toBeGreaterThan(30_000);
  });
});

describe.each(ENGINES)('iFit scheduler shutdown (%s)', (engine) => {
  it(
    'stopping the worker interrupts a backfill at the next provider call and keeps its progress',
    { timeout: 120_000 },
    async () => {
      const { emulator } = await startEmulator();
      const t = await startTestApp(engine, `ifit-stop-${engine}`, ifitEnv(emulator));
      try {
        // Slow iFit down so the backfill is still running when the worker stops.
        emulator.failNext(
          { path: /^\/v1\/activity_logs\/[0-9a-f]+$/ },
          { status: 429, headers: { 'retry-after': '1' }, times: 3 },
        );
        const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {});
        expect((await submitLogin(json.auth_url, IFIT_LOGIN.username, IFIT_LOGIN.password)).status).toBe(303);
        await eventually(
          async () => emulator.requests.some((request) => request.status === 429),
          60_000,
          'the backfill reaching an activity log',
        );
        const before = emulator.requests.length;
        for (const task of t.app.tasks) if (task.name === 'ingest-sync') await task.stop();
        // Stopped at its next provider call: after the stop, only the call in flight (its 429s
        // retried) reached iFit, never the rest of the backfill's calls.
        expect(new Set(emulator.requests.slice(before).map((request) => request.path)).size).toBeLessThanOrEqual(1);
        const connection = await t.app.store.connections.get(t.devId, json.user_id);
        expect(connection!.status).toBe('active');
        expect(connection!.syncState.lastSyncAt).toBeUndefined(); // interrupted, to be resumed
        expect(connection!.nextSyncAt).toBeLessThanOrEqual(Date.now());
      } finally {
        await t.close();
        await emulator.close();
      }
    },
  );
});
