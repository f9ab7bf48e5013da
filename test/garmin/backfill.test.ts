import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually } from '../delivery/eventually.ts';
import { GarminEmulator } from '../emulators/garmin/garmin-emulator.ts';
import { api, connectGarmin, garminEnv } from './helpers.ts';

const DAY = 86_400_000;
const day = (ago: number) => new Date(Date.now() - ago * DAY).toISOString().slice(0, 10);

/** Garmin's history by request (issue 13 item 8): on connect, and for an older period a read needs. */
describe.each(ENGINES)('Garmin backfill (%s)', { timeout: 120_000 }, (engine) => {
  const garmin = new GarminEmulator({ seed: 5 });
  let t: TestApp;
  let account: { id: string };
  let userId: string;

  beforeAll(async () => {
    await garmin.start();
    t = await startTestApp(
      engine,
      `garmin-backfill-${engine}`,
      garminEnv(garmin, { TRIBUTARY_PROVIDER_GARMIN_BACKFILL_DAYS: '3' }),
    );
    garmin.webhookUrl = `${t.url}/providers/garmin/webhook`;
    account = garmin.addAccount();
    garmin.addHistory(account.id, 20);
    garmin.setConsent({ grant: true, accountId: account.id });
    ({ userId } = await connectGarmin(t));
  });
  afterAll(async () => {
    await t?.close();
    await garmin.close();
  });

  const backfills = () => garmin.apiRequests('/wellness-api/rest/backfill/');
  const dailyDays = async () =>
    (await t.app.store.records.listJson(t.devId, userId, 'daily', { withSamples: false })).map((json) =>
      (JSON.parse(json) as { metadata: { start_time: string } }).metadata.start_time.slice(0, 10),
    );

  it('connecting asks for BACKFILL_DAYS of every summary type; the pushed data is stored', async () => {
    await eventually(
      async () => (await t.app.store.connections.get(t.devId, userId))?.syncState.lastSyncAt !== undefined,
      60_000,
      'backfill requested',
    );
    const asked = backfills();
    expect(new Set(asked.map((r) => r.path.split('/').pop()))).toEqual(
      new Set([
        'dailies',
        'epochs',
        'sleeps',
        'stressDetails',
        'pulseOx',
        'userMetrics',
        'hrv',
        'bodyComps',
        'bloodPressures',
        'activities',
        'activityDetails',
        'mct',
      ]),
    );
    for (const request of asked) {
      expect(request.status).toBe(202);
      const span = Number(request.query.summaryEndTimeInSeconds) - Number(request.query.summaryStartTimeInSeconds);
      expect(span).toBeLessThanOrEqual(3 * 86_400 + 1);
    }
    await garmin.settled();
    const days = await eventually(
      async () => {
        const found = await dailyDays();
        return found.includes(day(2)) && found;
      },
      60_000,
      'backfilled days stored',
    );
    expect(days).not.toContain(day(10));
  });

  it('a read of an older period asks Garmin for it; the data arrives by push and is served', async () => {
    const before = backfills().length;
    const read = await api(
      t,
      'GET',
      `/v2/daily?user_id=${userId}&start_date=${day(12)}&end_date=${day(8)}&to_webhook=false`,
    );
    expect(read.status).toBe(200);
    const asked = backfills().slice(before);
    expect(asked.length).toBeGreaterThanOrEqual(12);
    // From the period's start up to what was already asked for: one range per type here.
    for (const request of asked)
      expect(Number(request.query.summaryStartTimeInSeconds)).toBe(Date.parse(`${day(12)}T00:00:00Z`) / 1000);
    for (const request of asked) expect(request.status).toBe(202);
    await garmin.settled();
    await eventually(
      async () =>
        (await t.app.store.providerNotifications.list({ provider: 'GARMIN', status: 'pending' })).length === 0 &&
        (await dailyDays()).includes(day(10)),
      60_000,
      'older days stored',
    );
    const again = await api(
      t,
      'GET',
      `/v2/daily?user_id=${userId}&start_date=${day(12)}&end_date=${day(8)}&to_webhook=false`,
    );
    expect(again.json.data.length).toBeGreaterThanOrEqual(4);
    // Asked once: a second read of the same period asks nothing more.
    expect(backfills().length).toBe(before + asked.length);
  });
});
