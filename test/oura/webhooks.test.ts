import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../../src/ingest/replay.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually } from '../delivery/eventually.ts';
import { expectTerraEvent } from '../ifit/helpers.ts';
import type { OuraEmulator, OuraAccount } from '../emulators/oura/oura-emulator.ts';
import { connectOura, ouraEnv, startOura } from './helpers.ts';

const VERIFICATION_TOKEN = 'oura-verification-token-for-tests';

/** Oura notifications in: handshake, signature, durable store then ack, queue processing, idempotency. */
describe.each(ENGINES)('Oura webhooks (%s)', (engine) => {
  let oura: OuraEmulator;
  let account: OuraAccount;
  let t: TestApp;
  let userId: string;
  let callback: string;

  beforeAll(async () => {
    ({ oura, account } = await startOura());
    oura.addHistory(account.id, 3);
    t = await startTestApp(
      engine,
      `oura-webhooks-${engine}`,
      ouraEnv(oura, {
        TRIBUTARY_PROVIDER_OURA_WEBHOOK_VERIFICATION_TOKEN: VERIFICATION_TOKEN,
        TRIBUTARY_PROVIDER_OURA_BACKFILL_DAYS: '5',
      }),
    );
    oura.setConsent({ grant: true, accountId: account.id });
    ({ userId } = await connectOura(t));
    await t.app.context.sync!.syncNow(t.devId, userId);
    callback = `${t.url}/providers/oura/webhook`;
  });
  afterAll(async () => {
    await t?.close();
    await oura?.close();
  });

  const stored = () => t.app.store.providerNotifications.list({ provider: 'OURA', limit: 1000 });
  const events = (type: string) => t.app.store.events.list(t.devId, { userId, type, limit: 10_000 });
  const processed = (notificationId: string) =>
    eventually(
      async () => {
        const n = await t.app.store.providerNotifications.get(notificationId);
        return n && n.status !== 'pending' ? n : undefined;
      },
      20_000,
      `notification ${notificationId} processed`,
    );

  /** A new sleep period at Oura, one hour ago. */
  function newSleep(id: string): Record<string, unknown> {
    const template = oura.documents(account.id, 'sleep').at(-1)!;
    const start = Date.now() - 3 * 3_600_000;
    const doc = {
      ...template,
      id,
      day: new Date().toISOString().slice(0, 10),
      bedtime_start: new Date(start).toISOString().replace('Z', '+00:00'),
      bedtime_end: new Date(start + 2 * 3_600_000).toISOString().replace('Z', '+00:00'),
    };
    oura.addDocument(account.id, 'sleep', doc);
    return doc;
  }
  const notice = (
    objectId: string,
    eventType = 'create',
    dataType = 'sleep',
    eventTime = new Date().toISOString(),
  ) => ({
    event_type: eventType,
    data_type: dataType,
    object_id: objectId,
    event_time: eventTime,
    user_id: account.id,
  });

  it('answers Oura’s verification handshake with the challenge, and refuses a wrong token', async () => {
    const ok = await oura.verifyCallback(callback, VERIFICATION_TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ challenge: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect((await oura.verifyCallback(callback, 'wrong-token')).status).toBe(401);
    expect(await stored()).toEqual([]);
  });

  it('a bad signature is a 401 and stores nothing', async () => {
    const response = await oura.notify(callback, notice('whatever'), { secret: 'not-the-client-secret' });
    expect(response.status).toBe(401);
    const unsigned = await fetch(callback, { method: 'POST', body: JSON.stringify(notice('x')) });
    expect(unsigned.status).toBe(401);
    expect(await stored()).toEqual([]);
  });

  it('a notification is stored verbatim, acknowledged before the fetch by id, then fetched: one sleep event', async () => {
    const doc = newSleep('sleep-from-webhook');
    const body = JSON.stringify(notice(String(doc.id)));
    // Oura's answer to the fetch by id is held back: the acknowledgement must not wait for it.
    const fetchById = oura.holdNext(`/v2/usercollection/sleep/${String(doc.id)}`);
    const response = await oura.notify(callback, body);
    expect(response.status).toBe(200);
    await fetchById.reached;
    fetchById.release();
    const ack = (await response.json()) as { notification_id: string; duplicate: boolean };
    expect(ack.duplicate).toBe(false);
    const row = await t.app.store.providerNotifications.get(ack.notification_id);
    expect(row!.body.toString('utf8')).toBe(body);
    expect(row!.headers['x-oura-signature']).toMatch(/^[0-9A-F]{64}$/);
    expect((await processed(ack.notification_id)).status).toBe('processed');
    expect(await t.app.store.records.get(t.devId, userId, 'sleep', 'sleep-from-webhook')).toBeDefined();
    const announced = (await events('sleep')).filter((e) =>
      (e.payload.data as { metadata: { summary_id: string } }[]).some((s) => s.metadata.summary_id === doc.id),
    );
    expect(announced).toHaveLength(1);
    expectTerraEvent(announced[0]!);
  });

  it('a duplicate delivery stores nothing new and emits nothing', async () => {
    const doc = newSleep('sleep-duplicate');
    const body = JSON.stringify(notice(String(doc.id)));
    const first = (await (await oura.notify(callback, body)).json()) as { notification_id: string };
    await processed(first.notification_id);
    const eventsBefore = (await events('sleep')).length;
    const storedBefore = (await stored()).length;
    const again = await oura.notify(callback, body);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ notification_id: first.notification_id, duplicate: true });
    expect((await stored()).length).toBe(storedBefore);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await events('sleep')).length).toBe(eventsBefore);
  });

  it('out of order: a late notice of an older update keeps the newest document and emits nothing', async () => {
    const doc = newSleep('sleep-ordered');
    const first = (await (
      await oura.notify(callback, notice(String(doc.id), 'create', 'sleep', '2030-01-01T08:00:00Z'))
    ).json()) as {
      notification_id: string;
    };
    await processed(first.notification_id);
    oura.addDocument(account.id, 'sleep', { ...doc, efficiency: 97 });
    const newer = (await (
      await oura.notify(callback, notice(String(doc.id), 'update', 'sleep', '2030-01-01T09:00:00Z'))
    ).json()) as {
      notification_id: string;
    };
    await processed(newer.notification_id);
    const eventsBefore = (await events('sleep')).length;
    const late = (await (
      await oura.notify(callback, notice(String(doc.id), 'update', 'sleep', '2030-01-01T08:30:00Z'))
    ).json()) as {
      notification_id: string;
    };
    await processed(late.notification_id);
    expect((await events('sleep')).length).toBe(eventsBefore);
    const record = await t.app.store.records.get(t.devId, userId, 'sleep', String(doc.id));
    expect((record!.sleep_durations_data as { sleep_efficiency: number }).sleep_efficiency).toBe(97);
  });

  it('a delete notice removes the record', async () => {
    const doc = newSleep('sleep-to-delete');
    await processed(
      ((await (await oura.notify(callback, notice(String(doc.id)))).json()) as { notification_id: string })
        .notification_id,
    );
    expect(await t.app.store.records.get(t.devId, userId, 'sleep', String(doc.id))).toBeDefined();
    oura.removeDocument(account.id, 'sleep', String(doc.id));
    await processed(
      ((await (await oura.notify(callback, notice(String(doc.id), 'delete'))).json()) as { notification_id: string })
        .notification_id,
    );
    expect(await t.app.store.records.get(t.devId, userId, 'sleep', String(doc.id))).toBeUndefined();
    // Its tombstone is the newest raw version: replay from raw does not bring it back.
    const replayed = await replay(t.app.store, { userId, type: 'sleep' });
    expect(replayed.failed).toBe(0);
    expect(await t.app.store.records.get(t.devId, userId, 'sleep', String(doc.id))).toBeUndefined();
  });

  it('a daily_activity notice rebuilds that day’s Terra Daily', async () => {
    const day = new Date().toISOString().slice(0, 10);
    oura.addDocument(account.id, 'daily_activity', { id: `daily-activity-${day}`, day, steps: 4321, score: 77 });
    const ack = (await (
      await oura.notify(callback, notice(`daily-activity-${day}`, 'create', 'daily_activity'))
    ).json()) as {
      notification_id: string;
    };
    expect((await processed(ack.notification_id)).status).toBe('processed');
    const daily = await t.app.store.records.get(t.devId, userId, 'daily', day);
    expect(daily).toMatchObject({ distance_data: { steps: 4321 }, scores: { activity: 77 } });
  });

  it('a malformed payload is kept raw, marked failed with the error, and nothing crashes', async () => {
    const response = await oura.notify(callback, '{"event_type": "create", "data_type": ');
    expect(response.status).toBe(200);
    const { notification_id: id } = (await response.json()) as { notification_id: string };
    const failed = await processed(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.error).toMatch(/JSON/);
    expect(failed.body.toString()).toBe('{"event_type": "create", "data_type": ');
    const wrongType = await oura.notify(callback, { ...notice('x'), event_type: 'explode' });
    const second = await processed(((await wrongType.json()) as { notification_id: string }).notification_id);
    expect(second.error).toContain('event_type');
  });

  it('a notice for an Oura account nobody connected is processed without effect', async () => {
    const ack = (await (await oura.notify(callback, { ...notice('nope'), user_id: 'someone-else' })).json()) as {
      notification_id: string;
    };
    expect((await processed(ack.notification_id)).status).toBe('processed');
  });

  it('a provider without webhooks answers 404, a method it does not use 405', async () => {
    expect((await fetch(`${t.url}/providers/ifit/webhook`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${t.url}/providers/nope/webhook`)).status).toBe(404);
    expect((await fetch(callback, { method: 'HEAD' })).status).toBe(405);
  });
});
