import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../../src/ingest/replay.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually } from '../delivery/eventually.ts';
import { expectTerraEvent } from '../ifit/helpers.ts';
import { GarminEmulator } from '../emulators/garmin/garmin-emulator.ts';
import { connectGarmin, garminEnv } from './helpers.ts';

type Json = Record<string, unknown>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../src/providers/garmin/fixtures/${name}`, import.meta.url), 'utf8')) as Json;

/**
 * Garmin notifications in (issue 13 items 2 and 8): push and ping modes, the
 * garmin-client-id check, durable store before the ack, queue processing, idempotency,
 * newest-wins merging, deregistration and permission changes.
 */
describe.each(ENGINES)('Garmin notifications (%s)', (engine) => {
  const garmin = new GarminEmulator();
  let t: TestApp;
  let account: { id: string };
  let userId: string;
  let elsewhere: Server;
  let elsewhereHits = 0;
  let elsewhereUrl = '';

  beforeAll(async () => {
    await garmin.start();
    elsewhere = createServer((_request, response) => {
      elsewhereHits++;
      response.end('[]');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const address = elsewhere.address();
    elsewhereUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    t = await startTestApp(engine, `garmin-webhooks-${engine}`, garminEnv(garmin));
    garmin.webhookUrl = `${t.url}/providers/garmin/webhook`;
    account = garmin.addAccount();
    garmin.setConsent({ grant: true, accountId: account.id });
    ({ userId } = await connectGarmin(t));
  });
  afterAll(async () => {
    await t?.close();
    await garmin.close();
    await new Promise((resolve) => elsewhere?.close(resolve));
  });

  const events = (type: string) => t.app.store.events.list(t.devId, { userId, type, limit: 10_000 });
  const processed = async (answer: Response) => {
    expect(answer.status).toBe(200);
    const { notification_id: id } = (await answer.json()) as { notification_id: string };
    return eventually(
      async () => {
        const n = await t.app.store.providerNotifications.get(id);
        return n && n.status !== 'pending' ? n : undefined;
      },
      30_000,
      `notification ${id} processed`,
    );
  };
  const record = (type: 'daily' | 'sleep' | 'activity', key: string) =>
    t.app.store.records.get(t.devId, userId, type, key) as Promise<Json | undefined>;

  it('push: parts of one day arrive separately and make one Daily; each change is announced', async () => {
    const dailies = { ...fixture('dailies.json'), durationInSeconds: 43_200, steps: 4000 };
    expect((await processed(await garmin.sync(account.id, 'dailies', [dailies]))).status).toBe('processed');
    const epochs = JSON.parse(
      readFileSync(new URL('../../src/providers/garmin/fixtures/epochs.json', import.meta.url), 'utf8'),
    ) as Json[];
    expect((await processed(await garmin.sync(account.id, 'epochs', epochs))).status).toBe('processed');
    const daily = await record('daily', '2023-09-01');
    expect(daily).toMatchObject({ distance_data: { steps: 4000 }, MET_data: { MET_samples: [{}, {}] } });
    const announced = await events('daily');
    expect(announced).toHaveLength(2);
    expectTerraEvent(announced[1]!);
    const raws = await t.app.store.raw.list(t.devId, userId, { externalId: 'daily:2023-09-01' });
    expect(raws).toHaveLength(2); // one version per change, the newest holds both parts
    expect(Object.keys(JSON.parse(raws[1]!.body.toString()) as Json).sort()).toEqual([
      'calendarDate',
      'dailies',
      'epochs',
    ]);
  });

  it('a duplicate stores nothing new; a late, older version keeps the newest', async () => {
    const newer = { ...fixture('dailies.json'), durationInSeconds: 86_400, steps: 9120 };
    const body = JSON.stringify({ dailies: [{ userId: account.id, ...newer }] });
    await processed(await garmin.deliver(body));
    const again = await garmin.deliver(body);
    expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
    const before = (await events('daily')).length;
    // The 12-hour version (pushed first, redelivered late by Garmin's retry) must not win.
    const older = { ...fixture('dailies.json'), durationInSeconds: 43_200, steps: 4000, maxStressLevel: 91 };
    await processed(await garmin.deliver(JSON.stringify({ dailies: [{ userId: account.id, ...older }] })));
    expect(await record('daily', '2023-09-01')).toMatchObject({ distance_data: { steps: 9120 } });
    expect((await events('daily')).length).toBe(before);
  });

  it('ping: the callback URL is fetched with the user’s token and its summaries stored', async () => {
    garmin.modes.set('sleeps', 'ping');
    const sleep = fixture('sleep.json');
    const notification = await processed(await garmin.sync(account.id, 'sleeps', [sleep]));
    expect(notification.status).toBe('processed');
    const pulled = garmin.apiRequests('/wellness-api/rest/sleeps').at(-1)!;
    expect(pulled).toMatchObject({ status: 200, userId: account.id });
    expect(await record('sleep', String(sleep.summaryId))).toMatchObject({ scores: { sleep: 83 } });
  });

  it('ping with an expired access token: refreshed once, then fetched', async () => {
    garmin.modes.set('activities', 'ping');
    garmin.expireAccessTokens(account.id);
    const refreshes = garmin.requests.filter((r) => r.grantType === 'refresh_token').length;
    const notification = await processed(await garmin.sync(account.id, 'activities', [fixture('activity.json')]));
    expect(notification.status).toBe('processed');
    expect(garmin.requests.filter((r) => r.grantType === 'refresh_token').length).toBe(refreshes + 1);
    expect(await record('activity', '9041852211')).toMatchObject({ metadata: { name: 'Lunch Run' } });
  });

  it('ping: a callback URL outside Garmin’s API base is never fetched (SSRF); the notification is kept, failed', async () => {
    for (const url of [
      `${elsewhereUrl}/wellness-api/rest/sleeps?token=x`,
      `${garmin.url.replace('127.0.0.1', 'localhost')}/x`,
    ]) {
      const body = JSON.stringify({ sleeps: [{ userId: account.id, callbackURL: url }] });
      const notification = await processed(await garmin.deliver(body));
      expect(notification.status).toBe('failed');
      expect(notification.error).toMatch(/callback URL refused/);
    }
    expect(elsewhereHits).toBe(0);
  });

  it('a sender without the application’s garmin-client-id is refused with 401 and nothing is stored', async () => {
    const before = (await t.app.store.providerNotifications.list({ provider: 'GARMIN', limit: 1000 })).length;
    const answer = await garmin.deliver(JSON.stringify({ dailies: [{ userId: account.id }] }), {
      clientId: 'someone-else',
    });
    expect(answer.status).toBe(401);
    expect((await t.app.store.providerNotifications.list({ provider: 'GARMIN', limit: 1000 })).length).toBe(before);
  });

  it('a malformed notification is kept, marked failed, and nothing is invented', async () => {
    const notification = await processed(await garmin.deliver('{"dailies": "not a list"'));
    expect(notification.status).toBe('failed');
    const wrongShape = await processed(
      await garmin.deliver(JSON.stringify({ epochs: [{ userId: account.id, steps: 5 }] })),
    );
    expect(wrongShape.status).toBe('processed'); // an epoch without a start cannot be placed: stored only in the notification
  });

  it('replay rebuilds the same records from the stored bundles', async () => {
    const report = await replay(t.app.store, { userId });
    expect(report.failed).toBe(0);
    expect(report.changed).toBe(0);
    expect(report.unchanged).toBeGreaterThanOrEqual(3);
  });

  it('a permission change → permission_change with what was added and removed; the user’s scopes follow', async () => {
    const before = (await t.app.store.users.get(t.devId, userId))!.scopes!.split(',');
    expect(before).toContain('MCT_EXPORT');
    await processed(await garmin.changePermissions(account.id, ['ACTIVITY_EXPORT', 'HEALTH_EXPORT', 'COURSE_IMPORT']));
    const [change] = await events('permission_change');
    expectTerraEvent(change!);
    expect(change!.payload).toMatchObject({
      type: 'permission_change',
      scopes_added: 'COURSE_IMPORT',
    });
    expect(String((change!.payload as Json).scopes_removed)).toContain('MCT_EXPORT');
    expect((await t.app.store.users.get(t.devId, userId))!.scopes).toBe('ACTIVITY_EXPORT,HEALTH_EXPORT,COURSE_IMPORT');
  });

  it('a deregistration → access_revoked, the connection stops, later data is not stored', async () => {
    await processed(await garmin.deregister(account.id));
    const [revoked] = await events('access_revoked');
    expectTerraEvent(revoked!);
    expect(revoked!.payload).toMatchObject({ type: 'access_revoked', user: { user_id: userId, active: false } });
    expect((await t.app.store.connections.get(t.devId, userId))!.status).toBe('revoked');
    const sleep = { ...fixture('sleep.json'), summaryId: 'after-deregistration' };
    garmin.modes.set('sleeps', 'push');
    await processed(await garmin.sync(account.id, 'sleeps', [sleep]));
    expect(await record('sleep', 'after-deregistration')).toBeUndefined();
  });
});
