import { createHash, randomBytes } from 'node:crypto';
import { WhoopEmulator } from '../emulators/whoop/whoop-emulator.ts';
import { authenticateWhoop, connectWhoop, whoopEnv } from '../whoop/helpers.ts';
import { providerContract, type Account } from './contract.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const OFFSET_MINUTES = -300;
const whoop = new WhoopEmulator({ seed: 23 });
const since = (days: number) => Date.now() - days * DAY;
const user = (account: Account) => Number(account.id);
/** A cycle's Terra day: the local date 12 hours after it starts. */
const dayOf = (cycle: Record<string, unknown>) =>
  new Date(Date.parse(String(cycle.start)) + 12 * HOUR + OFFSET_MINUTES * 60_000).toISOString().slice(0, 10);

/** WHOOP through the provider contract: OAuth2, polling for reconciliation and cycles, signed webhooks (no handshake). */
providerContract({
  name: 'WHOOP',
  backfillDays: 5,
  async start() {
    await whoop.start();
    return whoopEnv(whoop, { TRIBUTARY_PROVIDER_WHOOP_BACKFILL_DAYS: '5' });
  },
  close: () => whoop.close(),
  newAccount(days) {
    const account = whoop.addAccount();
    whoop.addHistory(account.userId, days, OFFSET_MINUTES);
    return { id: String(account.userId) };
  },
  async connect(t, account) {
    whoop.setConsent({ grant: true, userId: user(account) });
    return (await connectWhoop(t)).userId;
  },
  async refuse(t) {
    whoop.setConsent({ grant: false });
    const { final, userId } = await connectWhoop(t);
    return { final, userId };
  },
  async forgedState(t, account) {
    whoop.setConsent({ grant: true, userId: user(account) });
    const { user_id: userId, auth_url: authUrl } = await authenticateWhoop(t);
    const callback = new URL((await fetch(authUrl, { redirect: 'manual' })).headers.get('location')!);
    callback.searchParams.set('state', 'f'.repeat(32));
    return { answer: await fetch(callback, { redirect: 'manual' }), userId };
  },
  expireAccess: (account) => whoop.expireAccessTokens(user(account)),
  revoke: (account) => whoop.revokeGrant(user(account)),
  refreshGrants: () => whoop.requests.filter((r) => r.grantType === 'refresh_token'),
  fail429: (seconds) => whoop.failNext({ path: '/v2/' }, { status: 429, headers: { 'retry-after': String(seconds) } }),
  expected(account, days) {
    const start = since(days);
    const after = (doc: Record<string, unknown>) => Date.parse(String(doc.start)) > start;
    return {
      sleep: whoop
        .documents(user(account), 'sleep')
        .filter(after)
        .map((doc) => String(doc.id)),
      activity: whoop
        .documents(user(account), 'workout')
        .filter(after)
        .map((doc) => String(doc.id)),
      daily: whoop.documents(user(account), 'cycle').filter(after).map(dayOf),
    };
  },
  grantAlive: (account) => whoop.hasGrant(user(account)),
  malformed(account) {
    const id = `broken-${randomBytes(4).toString('hex')}`;
    whoop.addDocument(user(account), 'workout', {
      id,
      user_id: user(account),
      start: new Date(Date.now() - HOUR).toISOString(),
      end: 42,
      timezone_offset: '-05:00',
      sport_name: { nested: 'not a name' },
      score_state: 'SCORED',
    });
    return { type: 'activity', key: id, externalId: `workout:${id}` };
  },
  notifications: {
    path: '/providers/whoop/webhook',
    add(account) {
      const template = whoop.documents(user(account), 'sleep').at(-1)!;
      const start = Date.now() - 3 * HOUR;
      const id = `${randomBytes(4).toString('hex')}-0000-4000-8000-${randomBytes(6).toString('hex')}`;
      whoop.addDocument(user(account), 'sleep', {
        ...template,
        id,
        nap: true,
        start: new Date(start).toISOString(),
        end: new Date(start + HOUR).toISOString(),
      });
      return { type: 'sleep', key: id };
    },
    update(account, key) {
      const doc = whoop.documents(user(account), 'sleep').find((d) => d.id === key)!;
      const score = doc.score as Record<string, unknown>;
      whoop.addDocument(user(account), 'sleep', { ...doc, score: { ...score, sleep_efficiency_percentage: 97 } });
    },
    updated: (record) =>
      (record as { sleep_durations_data?: { sleep_efficiency?: number } } | undefined)?.sleep_durations_data
        ?.sleep_efficiency === 97,
    notify(t, account, key, eventType, eventTime, badSignature) {
      // WHOOP redelivers the same body (same trace_id): derived from the event, so equal events give equal bytes.
      const traceId = createHash('sha256').update(`${key}|${eventType}|${eventTime}`).digest('hex').slice(0, 32);
      return whoop.notify(
        `${t.url}/providers/whoop/webhook`,
        whoop.notice(user(account), 'sleep.updated', key, traceId),
        { timestamp: String(Date.parse(eventTime)), ...(badSignature ? { secret: 'not-the-client-secret' } : {}) },
      );
    },
  },
});
