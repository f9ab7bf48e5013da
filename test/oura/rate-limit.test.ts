import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollState } from '../../src/ingest/sync.ts';
import { eventually } from '../delivery/eventually.ts';
import type { OuraAccount, OuraEmulator } from '../emulators/oura/oura-emulator.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { expectTerraEvent } from '../ifit/helpers.ts';
import { connectOura, ouraEnv, startOura } from './helpers.ts';

/** A window longer than any test run: the counts of one test stay in one window. */
const YEAR_S = 365 * 86_400;
const windowStart = () => {
  const ms = YEAR_S * 1000;
  return Date.now() - (Date.now() % ms);
};

async function connect(t: TestApp, oura: OuraEmulator, account: OuraAccount): Promise<string> {
  oura.setConsent({ grant: true, accountId: account.id });
  const { userId } = await connectOura(t);
  return userId;
}

/** The connection's first (backfill) poll finished, as the worker ran it. */
const backfilled = (t: TestApp, userId: string) =>
  eventually(
    async () =>
      (await t.app.store.connections.get<unknown, PollState>(t.devId, userId))?.syncState.lastSyncAt !== undefined,
    60_000,
    `backfill of ${userId}`,
  );

/** Oura's application rate limit (issue 13 item 4): shared budget, live and backfill lanes, 429 pauses. */
describe.each(ENGINES)('Oura rate-limit budget (%s)', { timeout: 120_000 }, (engine) => {
  let oura: OuraEmulator;
  let first: OuraAccount;
  let second: OuraAccount;
  let t: TestApp;

  beforeAll(async () => {
    ({ oura, account: first } = await startOura());
    second = oura.addAccount({ id: 'oura-user-2' });
    oura.addHistory(first.id, 5, 60);
    oura.addHistory(second.id, 5, 60);
    // 30 requests per window: the backfill lane gets 15, about one and a half backfills of 3 days.
    t = await startTestApp(
      engine,
      `oura-rate-${engine}`,
      ouraEnv(oura, { TRIBUTARY_PROVIDER_OURA_BACKFILL_DAYS: '3', TRIBUTARY_PROVIDER_OURA_RATE_LIMIT: `30/${YEAR_S}` }),
    );
  });
  afterAll(async () => {
    await t?.close();
    await oura?.close();
  });

  const dataRequests = () => oura.requests.filter((r) => r.path.startsWith('/v2/usercollection/')).length;
  const used = () => t.app.store.providerBudgets.used('OURA', windowStart());
  const events = (userId: string, type: string) => t.app.store.events.list(t.devId, { userId, type });

  let firstUser: string;
  let secondUser: string;

  it('counts a new connection’s backfill in the backfill lane, each provider call once', async () => {
    firstUser = await connect(t, oura, first);
    await backfilled(t, firstUser);
    // The connect flow's own personal_info read (the code exchange) is not a poll.
    expect(await used()).toEqual({ live: 0, backfill: dataRequests() - 1 });
    expect(await t.app.store.records.count(t.devId, firstUser, 'sleep')).toBeGreaterThan(0);
  });

  it('a backfill that spends its lane waits for the next window, without rate_limit_hit, and live polls go on', async () => {
    const spent = (await used()).backfill;
    const before = dataRequests();
    secondUser = await connect(t, oura, second);
    const waiting = await eventually(async () => {
      const connection = await t.app.store.connections.get<unknown, PollState>(t.devId, secondUser);
      return connection?.nextSyncAt && connection.nextSyncAt > Date.now() + 86_400_000 ? connection : undefined;
    }, 60_000);
    expect(waiting.status).toBe('active');
    expect(waiting.syncState.lastSyncAt).toBeUndefined(); // still to be backfilled
    expect(waiting.syncState.lastError).toBeUndefined(); // pacing is not a failure
    expect((await used()).backfill).toBe(15);
    // Exactly the lane's rest was spent at Oura (plus the connect flow's own read), then nothing more.
    expect(dataRequests() - before).toBe(15 - spent + 1);
    expect(await events(secondUser, 'rate_limit_hit')).toHaveLength(0);

    // The first user's regular poll still gets its requests from the live lane.
    const liveBefore = dataRequests();
    await t.app.context.sync!.syncNow(t.devId, firstUser);
    const after = await t.app.store.connections.get<unknown, PollState>(t.devId, firstUser);
    expect(after!.syncState.lastError).toBeUndefined();
    expect(dataRequests() - liveBefore).toBeGreaterThan(0);
    expect(await used()).toEqual({ live: dataRequests() - liveBefore, backfill: 15 });
  });

  it('a 429 honours Retry-After: rate_limit_hit, and no process calls Oura for any user until it passes', async () => {
    oura.failNext({ path: '/v2/usercollection/' }, { status: 429, headers: { 'retry-after': '120' } });
    await t.app.context.sync!.syncNow(t.devId, firstUser);
    const paused = await t.app.store.providerBudgets.blockedUntil('OURA');
    expect(paused).toBeGreaterThan(Date.now() + 100_000);
    expect(paused).toBeLessThanOrEqual(Date.now() + 120_000);
    const [hit] = await events(firstUser, 'rate_limit_hit');
    expect(hit!.payload).toMatchObject({ type: 'rate_limit_hit', user: { user_id: firstUser } });
    expectTerraEvent(hit!);
    const connection = await t.app.store.connections.get(t.devId, firstUser);
    expect(connection!.nextSyncAt).toBeGreaterThan(Date.now() + 100_000);

    // Another user's poll does not reach Oura while paused, and its app hears why its data waits.
    const before = oura.requests.length;
    await t.app.context.sync!.syncNow(t.devId, secondUser);
    expect(oura.requests.length).toBe(before);
    expect((await t.app.store.connections.get(t.devId, secondUser))!.nextSyncAt).toBeGreaterThan(Date.now() + 100_000);
    const [waited] = await events(secondUser, 'rate_limit_hit');
    expectTerraEvent(waited!);
  });
});
