import { randomBytes } from 'node:crypto';
import { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';
import { ifitEnv, submitLogin } from '../ifit/helpers.ts';
import { providerContract } from './contract.ts';

const DAY = 86_400_000;
const PASSWORD = 'contract-password';
const ifit = new IfitEmulator({ seed: 13 });
const usernames = new Map<string, string>();

async function authUrl(t: { url: string; headers: Record<string, string> }) {
  const answer = await fetch(`${t.url}/v2/auth/authenticateUser?resource=IFIT`, {
    method: 'POST',
    headers: { ...t.headers, 'content-type': 'application/json' },
    body: '{}',
  });
  return (await answer.json()) as { user_id: string; auth_url: string };
}

/**
 * iFit through the provider contract: password login and polling (no webhooks, no revocation
 * endpoint). A log whose detail fails iFit's schema is kept raw without a record.
 */
providerContract({
  name: 'IFIT',
  backfillDays: 30,
  async start() {
    await ifit.start();
    return ifitEnv(ifit);
  },
  close: () => ifit.close(),
  newAccount(days) {
    const username = `runner-${randomBytes(4).toString('hex')}@example.com`;
    const account = ifit.addAccount({ username, password: PASSWORD });
    ifit.addHistory(account.id, days, 30);
    usernames.set(account.id, username);
    return { id: account.id };
  },
  async connect(t, account) {
    const { user_id: userId, auth_url: url } = await authUrl(t);
    const answer = await submitLogin(url, usernames.get(account.id)!, PASSWORD);
    if (answer.status !== 303) throw new Error(`iFit login answered ${answer.status}`);
    return userId;
  },
  async wrongPassword(t, account) {
    const { auth_url: url } = await authUrl(t);
    return submitLogin(url, usernames.get(account.id)!, 'wrong-password');
  },
  expireAccess: (account) => ifit.expireAccessTokens(account.id),
  revoke: (account) => ifit.revokeTokens(account.id),
  refreshGrants: () => ifit.requests.filter((r) => r.grantType === 'refresh_token'),
  fail429: (seconds) =>
    ifit.failNext({ path: '/v1/activity_logs' }, { status: 429, headers: { 'retry-after': String(seconds) } }),
  malformed(account) {
    const log = ifit.addWorkout(account.id, { start: Date.now() - 3_600_000 });
    // The list stays valid; the detail's series are not a record of series.
    (log as unknown as { stats: unknown }).stats = 'not a record of series';
    return { type: 'activity', key: log.id, externalId: log.id };
  },
  expected(account, days) {
    const start = Date.now() - days * DAY;
    return {
      activity: ifit
        .logs(account.id)
        .filter((log) => log.start > start)
        .map((log) => log.id),
    };
  },
});
