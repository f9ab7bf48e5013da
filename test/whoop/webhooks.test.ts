import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../../src/ingest/replay.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually } from '../delivery/eventually.ts';
import { expectTerraEvent } from '../ifit/helpers.ts';
import { WhoopEmulator, type WhoopAccount } from '../emulators/whoop/whoop-emulator.ts';
import { connectWhoop, whoopEnv } from './helpers.ts';

const HOUR = 3_600_000;

/**
 * WHOOP notifications in: signature (base64 HMAC of timestamp + body), durable store then
 * ack, fetch by id through the queue, recoveries resolved to their cycle's Daily (by cycle
 * id and by sleep UUID), deletions, idempotency, malformed payloads, unknown types.
 */
describe.each(ENGINES)('WHOOP webhooks (%s)', (engine) => {
  let whoop: WhoopEmulator;
  let account: WhoopAccount;
  let t: TestApp;
  let userId: string;
  let callback: string;

  beforeAll(async () => {
    whoop = new WhoopEmulator({ seed: 5 });
    account = whoop.addAccount();
    whoop.addHistory(account.userId, 4);
    await whoop.start();
    t = await startTestApp(engine, `whoop-webhooks-${engine}`, whoopEnv(whoop));
    whoop.setConsent({ grant: true, userId: account.userId });
    ({ userId } = await connectWhoop(t));
    await t.app.context.sync!.syncNow(t.devId, userId);
    callback = `${t.url}/providers/whoop/webhook`;
  });
  afterAll(async () => {
    await t?.close();
    await whoop?.close();
  });

  const stored = () => t.app.store.providerNotifications.list({ provider: 'WHOOP', limit: 1000 });
  const events = (type: string) => t.app.store.events.list(t.devId, { userId, type, limit: 10_000 });
  const processed = (notificationId: string) =>
    eventually(
      async () => {
        const n = await t.app.store.providerNotifications.get(notificationId);
        return n && n.status !== 'pending' ? n : undefined;
      },
      30_000,
      `notification ${notificationId} processed`,
    );
  const send = async (notice: Record<string, unknown> | string) => {
    const response = await whoop.notify(callback, notice);
    expect(response.status).toBe(200);
    return processed(((await response.json()) as { notification_id: string }).notification_id);
  };

  function newWorkout(id: string): Record<string, unknown> {
    const template = whoop.documents(account.userId, 'workout').at(-1) ?? {};
    const start = Date.now() - 2 * HOUR;
    const doc = {
      ...template,
      id,
      user_id: account.userId,
      start: new Date(start).toISOString(),
      end: new Date(start + HOUR).toISOString(),
      timezone_offset: '-05:00',
      sport_name: 'cycling',
      score_state: 'SCORED',
      score: { strain: 11.2, kilojoule: 2092, average_heart_rate: 131, max_heart_rate: 171, distance_meter: 30211.5 },
    };
    whoop.addDocument(account.userId, 'workout', doc);
    return doc;
  }

  it('a bad or missing signature is a 401 and stores nothing; GET is not how WHOOP calls (405)', async () => {
    const notice = whoop.notice(account.userId, 'workout.updated', 'x');
    expect((await whoop.notify(callback, notice, { secret: 'not-the-client-secret' })).status).toBe(401);
    expect((await fetch(callback, { method: 'POST', body: JSON.stringify(notice) })).status).toBe(401);
    const body = JSON.stringify(notice);
    // Signed over other bytes than those sent.
    const signedOther = await fetch(callback, {
      method: 'POST',
      headers: {
        'x-whoop-signature-timestamp': '1700000000000',
        'x-whoop-signature': Buffer.alloc(32).toString('base64'),
      },
      body,
    });
    expect(signedOther.status).toBe(401);
    expect(await stored()).toEqual([]);
    expect((await fetch(callback)).status).toBe(405);
  });

  it('workout.updated: stored verbatim, acknowledged, fetched by id → one activity event', async () => {
    const doc = newWorkout('7f8e9d0c-1b2a-4c3d-8e4f-5a6b7c8d9e0f');
    const body = JSON.stringify(whoop.notice(account.userId, 'workout.updated', String(doc.id)));
    const response = await whoop.notify(callback, body);
    expect(response.status).toBe(200);
    const ack = (await response.json()) as { notification_id: string; duplicate: boolean };
    expect(ack.duplicate).toBe(false);
    const row = await t.app.store.providerNotifications.get(ack.notification_id);
    expect(row!.body.toString('utf8')).toBe(body);
    expect(row!.headers['x-whoop-signature']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect((await processed(ack.notification_id)).status).toBe('processed');
    const record = await t.app.store.records.get(t.devId, userId, 'activity', String(doc.id));
    expect(record).toMatchObject({
      metadata: { name: 'cycling', type: 1 },
      calories_data: { total_burned_calories: 500 },
      distance_data: { summary: { distance_meters: 30212 } },
      strain_data: { strain_level: 11.2 },
    });
    const announced = (await events('activity')).filter((e) => JSON.stringify(e.payload).includes(String(doc.id)));
    expect(announced).toHaveLength(1);
    expectTerraEvent(announced[0]!);
    // A redelivery (same bytes) is stored once and emits nothing.
    const again = await whoop.notify(callback, body);
    expect(await again.json()).toMatchObject({ notification_id: ack.notification_id, duplicate: true });
  });

  it('recovery.updated by cycle id rebuilds that cycle’s Daily with the recovery values', async () => {
    const cycle = whoop.documents(account.userId, 'cycle').at(-1)!;
    const recovery = whoop.documents(account.userId, 'recovery').find((r) => r.cycle_id === cycle.id)!;
    const score = recovery.score as Record<string, unknown>;
    whoop.addDocument(account.userId, 'recovery', {
      ...recovery,
      score: { ...score, recovery_score: 91, resting_heart_rate: 47, hrv_rmssd_milli: 88.5 },
    });
    expect((await send(whoop.notice(account.userId, 'recovery.updated', Number(cycle.id)))).status).toBe('processed');
    const raw = await t.app.store.raw.list(t.devId, userId, { externalId: `cycle:${String(cycle.id)}` });
    const daily = (await t.app.store.records.listJson(t.devId, userId, 'daily', { withSamples: false }))
      .map((json) => JSON.parse(json) as Record<string, unknown>)
      .find((d) => (d.scores as { recovery?: number } | undefined)?.recovery === 91);
    expect(raw.length).toBeGreaterThan(0);
    expect(daily).toMatchObject({ heart_rate_data: { summary: { resting_hr_bpm: 47, avg_hrv_rmssd: 88.5 } } });
  });

  it('recovery.updated by sleep UUID (as v2 integrations report) resolves the cycle through the sleep', async () => {
    const cycle = whoop.documents(account.userId, 'cycle').at(-2)!;
    const recovery = whoop.documents(account.userId, 'recovery').find((r) => r.cycle_id === cycle.id)!;
    whoop.addDocument(account.userId, 'recovery', {
      ...recovery,
      score: { ...(recovery.score as Record<string, unknown>), recovery_score: 12 },
    });
    await send(whoop.notice(account.userId, 'recovery.updated', String(recovery.sleep_id)));
    const scores = (await t.app.store.records.listJson(t.devId, userId, 'daily', { withSamples: false })).map(
      (json) => (JSON.parse(json) as { scores?: { recovery?: number } }).scores?.recovery,
    );
    expect(scores).toContain(12);
  });

  it('sleep.deleted removes the record, and replay from raw does not bring it back', async () => {
    const sleep = whoop.documents(account.userId, 'sleep').at(-1)!;
    const id = String(sleep.id);
    expect(await t.app.store.records.get(t.devId, userId, 'sleep', id)).toBeDefined();
    // A late update notice for it arrives first: WHOOP still has it, nothing changes.
    await send(whoop.notice(account.userId, 'sleep.updated', id));
    expect(await t.app.store.records.get(t.devId, userId, 'sleep', id)).toBeDefined();
    whoop.removeDocument(account.userId, 'sleep', id);
    await send(whoop.notice(account.userId, 'sleep.deleted', id));
    expect(await t.app.store.records.get(t.devId, userId, 'sleep', id)).toBeUndefined();
    // An update notice that arrives after the deletion finds nothing at WHOOP: it stays deleted.
    await send(whoop.notice(account.userId, 'sleep.updated', id));
    expect(await t.app.store.records.get(t.devId, userId, 'sleep', id)).toBeUndefined();
    const replayed = await replay(t.app.store, { userId, provider: 'WHOOP' });
    expect(replayed.failed).toBe(0);
    expect(await t.app.store.records.get(t.devId, userId, 'sleep', id)).toBeUndefined();
  });

  it('a malformed payload is kept raw and marked failed; an unknown type is processed without effect', async () => {
    const broken = await send('{"user_id": 1, "id": ');
    expect(broken).toMatchObject({ status: 'failed', attempts: 1 });
    expect(broken.error).toMatch(/JSON/);
    expect(broken.body.toString()).toBe('{"user_id": 1, "id": ');
    const noUser = await send({ id: 'x', type: 'sleep.updated' });
    expect(noUser.error).toContain('user_id');
    const unknown = await send(whoop.notice(account.userId, 'body_measurement.updated', 1));
    expect(unknown.status).toBe('processed');
    const stranger = await send(whoop.notice(424242, 'workout.updated', 'nope'));
    expect(stranger.status).toBe('processed');
  });

  it('a 429 on the fetch: the notification waits for Retry-After (not the queue’s retry delay), then is fetched; rate_limit_hit sent', async () => {
    const id = '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';
    newWorkout(id);
    whoop.failNext({ path: `/v2/activity/workout/${id}` }, { status: 429, headers: { 'retry-after': '600' } });
    const response = await whoop.notify(callback, whoop.notice(account.userId, 'workout.updated', id));
    const { notification_id: notificationId } = (await response.json()) as { notification_id: string };
    const sql = await t.sql();
    const job = await eventually(
      async () =>
        (
          await sql.all<{ job_id: string; run_at: number | string }>(
            `SELECT job_id, run_at FROM jobs WHERE queue = ? AND job_id LIKE ?`,
            ['provider-notifications', `provider-notifications:pn-${notificationId}-at-%`],
          )
        )[0],
      30_000,
      'retry scheduled',
    );
    const pausedUntil = await t.app.store.providerBudgets.blockedUntil('WHOOP');
    expect(Number(job.run_at)).toBe(pausedUntil);
    expect(pausedUntil).toBeGreaterThan(Date.now() + 500_000);
    const waiting = await t.app.store.providerNotifications.get(notificationId);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(waiting!.error).toMatch(/rate limit/i);
    const [hit] = await events('rate_limit_hit');
    expectTerraEvent(hit!);
    // The wait is over: the retry runs and fetches the workout.
    await sql.run('DELETE FROM provider_rate_blocks');
    await sql.run('UPDATE jobs SET run_at = 0 WHERE job_id = ?', [job.job_id]);
    expect(await processed(notificationId)).toMatchObject({ status: 'processed', attempts: 2 });
    expect(await t.app.store.records.get(t.devId, userId, 'activity', id)).toBeDefined();
    const calls = whoop.requests.filter((r) => r.path === `/v2/activity/workout/${id}`);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
  }, 120_000);

  it('replay rebuilds every WHOOP record from raw alone, unchanged', async () => {
    const result = await replay(t.app.store, { userId, provider: 'WHOOP' });
    expect(result.failed).toBe(0);
    expect(result.changed).toBe(0);
    expect(result.unchanged).toBeGreaterThan(5);
  });
});
