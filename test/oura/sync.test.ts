import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/store/store.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { expectValidTerraRecord } from '../helpers/terra-schema.ts';
import { expectTerraEvent } from '../ifit/helpers.ts';
import type { OuraEmulator, OuraAccount } from '../emulators/oura/oura-emulator.ts';
import { api, connectOura, ouraEnv, startOura } from './helpers.ts';

const DAY = 86_400_000;

/** Oura end to end: connect, backfill within BACKFILL_DAYS, reads, re-polls, updates, faults. */
describe.each(ENGINES)('Oura sync (%s)', (engine) => {
  let oura: OuraEmulator;
  let account: OuraAccount;
  let t: TestApp;
  let userId: string;

  beforeAll(async () => {
    ({ oura, account } = await startOura());
    oura.addHistory(account.id, 40, 60);
    t = await startTestApp(
      engine,
      `oura-sync-${engine}`,
      ouraEnv(oura, { TRIBUTARY_PROVIDER_OURA_BACKFILL_DAYS: '30', TRIBUTARY_PROVIDER_OURA_POLL_SECONDS: '3600' }),
    );
    oura.setConsent({ grant: true, accountId: account.id });
    ({ userId } = await connectOura(t));
  });
  afterAll(async () => {
    await t?.close();
    await oura?.close();
  });

  const sync = () => t.app.context.sync!.syncNow(t.devId, userId);
  const events = async (type: string) => t.app.store.events.list(t.devId, { userId, type, limit: 10_000 });
  const summaryIds = (list: StoredEvent[]) =>
    list.flatMap((event) =>
      (event.payload.data as { metadata: { summary_id?: string; start_time: string } }[]).map(
        (record) => record.metadata.summary_id ?? record.metadata.start_time.slice(0, 10),
      ),
    );
  const since = (days: number) => new Date(Date.now() - days * DAY).toISOString().slice(0, 10);

  it('backfills BACKFILL_DAYS days of sleep, daily, workouts and the athlete, one event per new record', async () => {
    await sync();
    const sleeps = oura
      .documents(account.id, 'sleep')
      .filter((doc) => Date.parse(String(doc.bedtime_start)) > Date.now() - 30 * DAY);
    expect(sleeps.length).toBeGreaterThanOrEqual(29);
    expect(await t.app.store.records.count(t.devId, userId, 'sleep')).toBe(sleeps.length);
    expect(summaryIds(await events('sleep')).sort()).toEqual(sleeps.map((doc) => doc.id).sort());
    const workouts = oura
      .documents(account.id, 'workout')
      .filter((doc) => Date.parse(String(doc.start_datetime)) > Date.now() - 30 * DAY);
    expect(await t.app.store.records.count(t.devId, userId, 'activity')).toBe(workouts.length);
    expect(await t.app.store.records.count(t.devId, userId, 'daily')).toBeGreaterThanOrEqual(30);
    expect(await t.app.store.records.count(t.devId, userId, 'athlete')).toBe(1);
    // Older history (days 31–40) was not fetched.
    expect(await t.app.store.records.count(t.devId, userId, 'sleep')).toBeLessThan(
      oura.documents(account.id, 'sleep').length,
    );
    for (const event of [...(await events('sleep')).slice(0, 2), ...(await events('daily')).slice(0, 2)])
      expectTerraEvent(event);
  });

  it('serves Terra-valid sleep with stages and samples, and daily with scores, at the read API', async () => {
    const sleep = await api(
      t,
      'GET',
      `/v2/sleep?user_id=${userId}&start_date=${since(5)}&to_webhook=false&with_samples=true`,
    );
    expect(sleep.status).toBe(200);
    expect(sleep.json.data.length).toBeGreaterThanOrEqual(4);
    const one = sleep.json.data[0];
    expectValidTerraRecord('sleep', one);
    expect(one.sleep_durations_data.hypnogram_samples.length).toBeGreaterThan(50);
    expect(one.heart_rate_data.detailed.hr_samples.length).toBeGreaterThan(50);
    const doc = oura.documents(account.id, 'sleep').find((d) => d.id === one.metadata.summary_id)!;
    expect(one.sleep_durations_data.asleep.duration_deep_sleep_state_seconds).toBe(doc.deep_sleep_duration);
    const daily = await api(
      t,
      'GET',
      `/v2/daily?user_id=${userId}&start_date=${since(5)}&to_webhook=false&with_samples=true`,
    );
    const day = daily.json.data.find((d: { metadata: { start_time: string } }) =>
      d.metadata.start_time.startsWith(since(2)),
    );
    expectValidTerraRecord('daily', day);
    const activityDoc = oura.documents(account.id, 'daily_activity').find((d) => d.day === since(2))!;
    expect(day.distance_data.steps).toBe(activityDoc.steps);
    expect(day.scores).toMatchObject({ activity: activityDoc.score });
    expect(day.heart_rate_data.detailed.hr_samples.length).toBe(288);
    const athlete = await api(t, 'GET', `/v2/athlete?user_id=${userId}&to_webhook=false`);
    expect(athlete.json.athlete ?? athlete.json.data?.[0]).toMatchObject({ age: account.age, email: account.email });
  });

  it('a re-poll stores nothing new and emits nothing; an updated sleep emits one sleep event', async () => {
    const before = (await t.app.store.events.list(t.devId, { userId, limit: 10_000 })).length;
    await sync();
    expect((await t.app.store.events.list(t.devId, { userId, limit: 10_000 })).length).toBe(before);
    const latest = oura.documents(account.id, 'sleep').at(-1)!;
    oura.addDocument(account.id, 'sleep', { ...latest, efficiency: 99 });
    await sync();
    const after = await t.app.store.events.list(t.devId, { userId, limit: 10_000 });
    expect(after.length).toBe(before + 1);
    expect(after.find((e) => !e.dispatched && e.type === 'sleep') ?? after.at(-1)).toBeDefined();
    const stored = await t.app.store.records.get(t.devId, userId, 'sleep', String(latest.id));
    expect((stored!.sleep_durations_data as { sleep_efficiency: number }).sleep_efficiency).toBe(99);
  });

  it('a document Oura sends malformed is kept raw, produces no record, and the poll goes on', async () => {
    const today = new Date(Date.now() - 60 * 60_000);
    oura.addDocument(account.id, 'workout', {
      id: 'broken-workout',
      day: today.toISOString().slice(0, 10),
      start_datetime: 'not a time',
      end_datetime: 42,
    });
    const next: Record<string, unknown> = { ...oura.documents(account.id, 'workout').at(-2)!, id: 'fresh-workout' };
    next.start_datetime = new Date(Date.now() - 50 * 60_000).toISOString();
    next.end_datetime = new Date(Date.now() - 20 * 60_000).toISOString();
    next.day = today.toISOString().slice(0, 10);
    oura.addDocument(account.id, 'workout', next);
    await sync();
    expect(await t.app.store.records.get(t.devId, userId, 'activity', 'fresh-workout')).toBeDefined();
    expect(await t.app.store.records.get(t.devId, userId, 'activity', 'broken-workout')).toBeUndefined();
  });

  it('a 429 reschedules at Retry-After and emits rate_limit_hit', async () => {
    oura.failNext({ path: '/v2/usercollection/sleep' }, { status: 429, headers: { 'retry-after': '120' } });
    await sync();
    const connection = await t.app.store.connections.get(t.devId, userId);
    expect(connection!.nextSyncAt!).toBeGreaterThan(Date.now() + 100_000);
    const [hit] = await events('rate_limit_hit');
    expect(hit!.payload).toMatchObject({ type: 'rate_limit_hit', user: { user_id: userId } });
    expectTerraEvent(hit!);
    // Every process now waits for Oura's Retry-After (test/oura/rate-limit.test.ts); end the pause for the next tests.
    expect(await t.app.store.providerBudgets.blockedUntil('OURA')).toBeGreaterThan(Date.now() + 100_000);
    await (await t.sql()).run('DELETE FROM provider_rate_blocks');
  });

  it('an expired access token is refreshed after the 401 and the poll completes', async () => {
    oura.expireAccessTokens(account.id);
    const before = oura.requests.length;
    await sync();
    const made = oura.requests.slice(before);
    expect(made.filter((r) => r.grantType === 'refresh_token' && r.status === 200)).toHaveLength(1);
    expect((await t.app.store.connections.get(t.devId, userId))!.status).toBe('active');
  });

  it('a grant revoked at Oura stops the connection with connection_error', async () => {
    oura.revokeGrant(account.id);
    oura.expireAccessTokens(account.id);
    await sync();
    expect(await t.app.store.connections.get(t.devId, userId)).toMatchObject({ status: 'revoked', nextSyncAt: null });
    const [event] = await events('connection_error');
    expect(event!.payload).toMatchObject({ type: 'connection_error', user: { user_id: userId } });
    expectTerraEvent(event!);
  });
});

describe('Oura scopes', () => {
  it('a user who granted only some scopes is synced for those; the rest are skipped, not failed', async () => {
    const { oura, account } = await startOura();
    oura.addHistory(account.id, 3);
    const t = await startTestApp('sqlite', 'oura-scopes', ouraEnv(oura));
    try {
      oura.setConsent({ grant: true, accountId: account.id, scopes: ['personal', 'daily'] });
      const { userId } = await connectOura(t);
      await t.app.context.sync!.syncNow(t.devId, userId);
      expect(await t.app.store.records.count(t.devId, userId, 'sleep')).toBeGreaterThan(0);
      expect(await t.app.store.records.count(t.devId, userId, 'activity')).toBe(0);
      expect(oura.requests.some((r) => r.path.endsWith('/workout') && r.status === 403)).toBe(true);
      expect((await t.app.store.connections.get(t.devId, userId))!.status).toBe('active');
    } finally {
      await t.close();
      await oura.close();
    }
  });
});
