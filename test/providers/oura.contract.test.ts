import { randomBytes } from 'node:crypto';
import { OuraEmulator } from '../emulators/oura/oura-emulator.ts';
import { connectOura, ouraEnv } from '../oura/helpers.ts';
import { providerContract, type Account } from './contract.ts';

const DAY = 86_400_000;
const TOKEN = 'oura-contract-verification-token';
const oura = new OuraEmulator();
const since = (days: number) => Date.now() - days * DAY;

function authenticate(t: { url: string; headers: Record<string, string> }) {
  return fetch(`${t.url}/v2/auth/authenticateUser?resource=OURA`, {
    method: 'POST',
    headers: { ...t.headers, 'content-type': 'application/json' },
    body: '{}',
  }).then((r) => r.json() as Promise<{ user_id: string; auth_url: string }>);
}

providerContract({
  name: 'OURA',
  backfillDays: 5,
  async start() {
    await oura.start();
    return ouraEnv(oura, {
      TRIBUTARY_PROVIDER_OURA_BACKFILL_DAYS: '5',
      TRIBUTARY_PROVIDER_OURA_WEBHOOK_VERIFICATION_TOKEN: TOKEN,
    });
  },
  close: () => oura.close(),
  newAccount(days) {
    const account = oura.addAccount({ id: `oura-${randomBytes(6).toString('hex')}` });
    oura.addHistory(account.id, days, 60);
    return { id: account.id };
  },
  async connect(t, account) {
    oura.setConsent({ grant: true, accountId: account.id });
    return (await connectOura(t)).userId;
  },
  async refuse(t) {
    oura.setConsent({ grant: false });
    const { final, userId } = await connectOura(t);
    return { final, userId };
  },
  async forgedState(t, account) {
    oura.setConsent({ grant: true, accountId: account.id });
    const { user_id: userId, auth_url: authUrl } = await authenticate(t);
    const callback = new URL((await fetch(authUrl, { redirect: 'manual' })).headers.get('location')!);
    callback.searchParams.set('state', 'f'.repeat(32));
    return { answer: await fetch(callback, { redirect: 'manual' }), userId };
  },
  expireAccess: (account) => oura.expireAccessTokens(account.id),
  revoke: (account) => oura.revokeGrant(account.id),
  refreshGrants: () => oura.requests.filter((r) => r.grantType === 'refresh_token'),
  fail429: (seconds) =>
    oura.failNext({ path: '/v2/usercollection/' }, { status: 429, headers: { 'retry-after': String(seconds) } }),
  expected(account: Account, days) {
    const start = since(days);
    return {
      sleep: oura
        .documents(account.id, 'sleep')
        .filter((doc) => Date.parse(String(doc.bedtime_start)) > start)
        .map((doc) => String(doc.id)),
      activity: oura
        .documents(account.id, 'workout')
        .filter((doc) => Date.parse(String(doc.start_datetime)) > start)
        .map((doc) => String(doc.id)),
      daily: oura
        .documents(account.id, 'daily_activity')
        .filter((doc) => Date.parse(`${String(doc.day)}T00:00:00Z`) + DAY > start)
        .map((doc) => String(doc.day)),
    };
  },
  grantAlive: (account) => oura.hasGrant(account.id),
  malformed(account) {
    const id = `broken-${randomBytes(4).toString('hex')}`;
    const start = Date.now() - 3_600_000;
    oura.addDocument(account.id, 'workout', {
      id,
      day: new Date(start).toISOString().slice(0, 10),
      start_datetime: new Date(start).toISOString(),
      end_datetime: 42,
      activity: { nested: 'not a name' },
    });
    return { type: 'activity', key: id, externalId: `workout:${id}` };
  },
  notifications: {
    path: '/providers/oura/webhook',
    async handshake(t) {
      const callback = `${t.url}/providers/oura/webhook`;
      const right = await oura.verifyCallback(callback, TOKEN);
      const wrong = await oura.verifyCallback(callback, 'not-the-token');
      return { right: right.status, wrong: wrong.status };
    },
    add(account) {
      const template = oura.documents(account.id, 'sleep').at(-1)!;
      const start = Date.now() - 3 * 3_600_000;
      const id = `sleep-${randomBytes(4).toString('hex')}`;
      oura.addDocument(account.id, 'sleep', {
        ...template,
        id,
        day: new Date().toISOString().slice(0, 10),
        bedtime_start: new Date(start).toISOString().replace('Z', '+00:00'),
        bedtime_end: new Date(start + 2 * 3_600_000).toISOString().replace('Z', '+00:00'),
      });
      return { type: 'sleep', key: id };
    },
    update(account, key) {
      const doc = oura.documents(account.id, 'sleep').find((d) => d.id === key)!;
      oura.addDocument(account.id, 'sleep', { ...doc, efficiency: 97 });
    },
    updated: (record) =>
      (record as { sleep_durations_data?: { sleep_efficiency?: number } } | undefined)?.sleep_durations_data
        ?.sleep_efficiency === 97,
    notify(t, account, key, eventType, eventTime, badSignature) {
      return oura.notify(
        `${t.url}/providers/oura/webhook`,
        { event_type: eventType, data_type: 'sleep', object_id: key, event_time: eventTime, user_id: account.id },
        badSignature ? { secret: 'not-the-client-secret' } : {},
      );
    },
  },
});
