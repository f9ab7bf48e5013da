import { randomBytes } from 'node:crypto';
import { GarminEmulator } from '../emulators/garmin/garmin-emulator.ts';
import type { Summary } from '../emulators/garmin/generate.ts';
import { api, connectGarmin, garminEnv } from '../garmin/helpers.ts';
import { eventually } from '../delivery/eventually.ts';
import { providerContract, type Account } from './contract.ts';

const DAY = 86_400_000;
const garmin = new GarminEmulator({ seed: 31 });
const since = (days: number) => Date.now() - days * DAY;
/** Every version of the sleeps the cases add, oldest first: a late notice pushes an old one. */
const versions = new Map<string, Summary[]>();

/**
 * Garmin through the provider contract: OAuth2 PKCE, backfill by request (the history arrives
 * by push after Garmin's 202), push notifications checked by garmin-client-id. Garmin has no
 * polling: the cases that need a provider call with the user's token read an older period,
 * which asks Garmin for a backfill.
 */
providerContract({
  name: 'GARMIN',
  backfillDays: 5,
  async start() {
    await garmin.start();
    return garminEnv(garmin, { TRIBUTARY_PROVIDER_GARMIN_BACKFILL_DAYS: '5' });
  },
  close: () => garmin.close(),
  newAccount(days) {
    const account = garmin.addAccount();
    garmin.addHistory(account.id, days);
    return account;
  },
  async connect(t, account) {
    garmin.webhookUrl = `${t.url}/providers/garmin/webhook`;
    garmin.setConsent({ grant: true, accountId: account.id });
    const { userId } = await connectGarmin(t);
    // Connecting asks Garmin for the backfill; its pushes are part of the user's connecting.
    await eventually(
      async () => (await t.app.store.connections.get(t.devId, userId))?.syncState.lastSyncAt !== undefined,
      60_000,
      'backfill requested',
    );
    await garmin.settled();
    return userId;
  },
  async refuse(t) {
    garmin.setConsent({ grant: false });
    const { final, userId } = await connectGarmin(t);
    return { final, userId };
  },
  async forgedState(t, account) {
    garmin.setConsent({ grant: true, accountId: account.id });
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=GARMIN', {});
    const callback = new URL((await fetch(json.auth_url, { redirect: 'manual' })).headers.get('location')!);
    callback.searchParams.set('state', 'f'.repeat(32));
    return { answer: await fetch(callback, { redirect: 'manual' }), userId: json.user_id };
  },
  async exercise(t, userId) {
    const day = (ago: number) => new Date(Date.now() - ago * DAY).toISOString().slice(0, 10);
    await api(t, 'GET', `/v2/daily?user_id=${userId}&start_date=${day(40)}&end_date=${day(35)}&to_webhook=false`);
  },
  expireAccess: (account) => garmin.expireAccessTokens(account.id),
  revoke: (account) => garmin.revokeGrant(account.id),
  refreshGrants: () => garmin.requests.filter((r) => r.grantType === 'refresh_token'),
  fail429: (seconds) =>
    garmin.failNext(
      { path: '/wellness-api/rest/backfill/' },
      { status: 429, headers: { 'retry-after': String(seconds) } },
    ),
  expected(account: Account, days) {
    const start = since(days) / 1000;
    const started = (type: string) =>
      garmin.summaries(account.id, type).filter((s) => Number(s.startTimeInSeconds) > start);
    return {
      sleep: started('sleeps').map((s) => String(s.summaryId)),
      activity: started('activities').map((s) => String(s.activityId)),
      daily: garmin
        .summaries(account.id, 'dailies')
        .filter((s) => Number(s.startTimeInSeconds) > start)
        .map((s) => String(s.calendarDate)),
    };
  },
  grantAlive: (account) => garmin.hasGrant(account.id),
  notifications: {
    path: '/providers/garmin/webhook',
    add(account) {
      const template = garmin.summaries(account.id, 'sleeps').at(-1)!;
      const summaryId = `sleep-${randomBytes(4).toString('hex')}`;
      const start = Math.floor(Date.now() / 1000) - 9 * 3600;
      const shift = start - Number(template.startTimeInSeconds);
      const levels = Object.fromEntries(
        Object.entries(
          template.sleepLevelsMap as Record<string, { startTimeInSeconds: number; endTimeInSeconds: number }[]>,
        ).map(([stage, list]) => [
          stage,
          list.map((i) => ({
            startTimeInSeconds: i.startTimeInSeconds + shift,
            endTimeInSeconds: i.endTimeInSeconds + shift,
          })),
        ]),
      );
      const sleep = { ...template, summaryId, startTimeInSeconds: start, sleepLevelsMap: levels };
      garmin.put(account.id, 'sleeps', sleep);
      versions.set(summaryId, [sleep]);
      return { type: 'sleep', key: summaryId };
    },
    update(account, key) {
      const list = versions.get(key)!;
      const last = list.at(-1)!;
      // The final version of a night: longer (Garmin's update rule), rescored.
      const next = {
        ...last,
        durationInSeconds: Number(last.durationInSeconds) + 600,
        overallSleepScore: { value: 97, qualifierKey: 'EXCELLENT' },
      };
      list.push(next);
      garmin.put(account.id, 'sleeps', next);
    },
    updated: (record) => (record as { scores?: { sleep?: number } } | undefined)?.scores?.sleep === 97,
    notify(_t, account, key, eventType, _eventTime, badSignature) {
      const list = versions.get(key)!;
      const summary = eventType === 'update' ? list.at(-1)! : list[0]!;
      return garmin.deliver(
        JSON.stringify({ sleeps: [{ userId: account.id, ...summary }] }),
        badSignature ? { clientId: 'not-this-application' } : {},
      );
    },
  },
});
