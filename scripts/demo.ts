/**
 * `npm run demo`: Tributary with a local iFit emulator, ready to connect in a browser.
 *
 * Starts the iFit emulator (demo login below, 45 days of generated workouts), then a second
 * Tributary of its own on an embedded store in a fresh temporary folder, with a demo developer
 * whose credentials it prints (its iFit connection points at the emulator, which a server you
 * started yourself does not know). Port 8787 when free, else a free one: it never collides
 * with the server of the README's first steps. Ctrl-C stops both and deletes the temporary store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTributary } from '../src/app.ts';
import { loadConfig } from '../src/core/config.ts';
import { installLastResortHandler } from '../src/core/last-resort.ts';
import { createLogger } from '../src/core/logger.ts';
import { DEMO_LOGIN, startDemoEmulator } from '../test/emulators/ifit/main.ts';
import { OuraEmulator } from '../test/emulators/oura/oura-emulator.ts';
import { WhoopEmulator } from '../test/emulators/whoop/whoop-emulator.ts';
import { GarminEmulator } from '../test/emulators/garmin/garmin-emulator.ts';

const DEV_ID = 'demo-developer';
const API_KEY = 'demo-api-key-not-for-production';

/** `preferred` when nothing listens on it, else a port the OS picks. */
async function portOr(preferred: number): Promise<number> {
  const probe = createServer();
  const port = await new Promise<number>((done) => {
    probe.once('error', () => probe.listen(0, '127.0.0.1'));
    probe.once('listening', () => done((probe.address() as { port: number }).port));
    probe.listen(preferred, '127.0.0.1');
  });
  await new Promise((closed) => probe.close(closed));
  return port;
}

const emulatorPort = process.env.DEMO_IFIT_PORT ? Number(process.env.DEMO_IFIT_PORT) : await portOr(8788);
const emulator = await startDemoEmulator({ port: emulatorPort, days: 45 });
// Oura (OAuth2): its emulator's consent screen grants at once for the demo account.
const oura = new OuraEmulator();
oura.addHistory(oura.addAccount({ id: 'demo-oura-user', email: 'demo@oura.test' }).id, 45);
await oura.start(process.env.DEMO_OURA_PORT ? Number(process.env.DEMO_OURA_PORT) : await portOr(8789));
// WHOOP (OAuth2, signed webhooks): likewise.
const whoop = new WhoopEmulator();
whoop.addHistory(whoop.addAccount({ email: 'demo@whoop.test' }).userId, 45);
await whoop.start(process.env.DEMO_WHOOP_PORT ? Number(process.env.DEMO_WHOOP_PORT) : await portOr(8790));
// Garmin (OAuth2 PKCE, push): its consent screen grants the demo account; backfills are pushed to the webhook.
const garmin = new GarminEmulator();
garmin.addHistory(
  garmin.addAccount({
    id: 'demo-garmin-user',
    cycleStart: new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10),
  }).id,
  45,
);
await garmin.start(process.env.DEMO_GARMIN_PORT ? Number(process.env.DEMO_GARMIN_PORT) : await portOr(8791));
const port = process.env.DEMO_PORT ? Number(process.env.DEMO_PORT) : await portOr(8787);
const dataDir = mkdtempSync(join(tmpdir(), 'tributary-demo-'));
const removeStore = () => rmSync(dataDir, { recursive: true, force: true });
process.once('exit', removeStore);
// Its own embedded store and queue, whatever the shell's TRIBUTARY_* point at.
const { TRIBUTARY_DATABASE_URL: _db, TRIBUTARY_QUEUE_URL: _queue, ...env } = process.env;
const config = loadConfig({
  TRIBUTARY_LOG_LEVEL: 'warn',
  // The demo's destinations are local receivers (the operator can still say false).
  TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS: 'true',
  ...env,
  TRIBUTARY_PORT: String(port),
  TRIBUTARY_DATA_DIR: dataDir,
  TRIBUTARY_BOOTSTRAP_DEV_ID: DEV_ID,
  TRIBUTARY_BOOTSTRAP_API_KEY: API_KEY,
  TRIBUTARY_PROVIDER_IFIT_BASE_URL: emulator.url,
  TRIBUTARY_PROVIDER_IFIT_CLIENT_ID: emulator.clientId,
  TRIBUTARY_PROVIDER_IFIT_CLIENT_SECRET: emulator.clientSecret,
  TRIBUTARY_PROVIDER_IFIT_POLL_SECONDS: process.env.TRIBUTARY_PROVIDER_IFIT_POLL_SECONDS ?? '60',
  TRIBUTARY_PROVIDER_IFIT_BACKFILL_DAYS: process.env.TRIBUTARY_PROVIDER_IFIT_BACKFILL_DAYS ?? '30',
  TRIBUTARY_PROVIDER_OURA_CLIENT_ID: oura.clientId,
  TRIBUTARY_PROVIDER_OURA_CLIENT_SECRET: oura.clientSecret,
  TRIBUTARY_PROVIDER_OURA_BASE_URL: oura.url,
  TRIBUTARY_PROVIDER_OURA_AUTH_BASE_URL: oura.url,
  TRIBUTARY_PROVIDER_WHOOP_CLIENT_ID: whoop.clientId,
  TRIBUTARY_PROVIDER_WHOOP_CLIENT_SECRET: whoop.clientSecret,
  TRIBUTARY_PROVIDER_WHOOP_BASE_URL: whoop.baseUrl,
  TRIBUTARY_PROVIDER_WHOOP_AUTH_BASE_URL: whoop.url,
  TRIBUTARY_PROVIDER_GARMIN_CLIENT_ID: garmin.clientId,
  TRIBUTARY_PROVIDER_GARMIN_CLIENT_SECRET: garmin.clientSecret,
  TRIBUTARY_PROVIDER_GARMIN_BASE_URL: garmin.url,
  TRIBUTARY_PROVIDER_GARMIN_AUTH_BASE_URL: garmin.url,
});
installLastResortHandler(createLogger(config.logLevel));
const app = await createTributary(config);
const url = await app.listen().catch(async (error: Error) => {
  console.error(`demo: cannot start Tributary on port ${port}: ${error.message}`);
  await app.close();
  await emulator.close();
  await oura.close();
  await whoop.close();
  await garmin.close();
  process.exit(1);
});
const headers = { 'dev-id': DEV_ID, 'x-api-key': API_KEY, 'content-type': 'application/json' };
const auth = (await (
  await fetch(`${url}/v2/auth/authenticateUser?resource=IFIT`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ reference_id: 'demo-user' }),
  })
).json()) as { user_id: string; auth_url: string };
const ouraAuth = (await (
  await fetch(`${url}/v2/auth/authenticateUser?resource=OURA`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ reference_id: 'demo-oura-user' }),
  })
).json()) as { user_id: string; auth_url: string };
const whoopAuth = (await (
  await fetch(`${url}/v2/auth/authenticateUser?resource=WHOOP`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ reference_id: 'demo-whoop-user' }),
  })
).json()) as { user_id: string; auth_url: string };
garmin.webhookUrl = `${url}/providers/garmin/webhook`;
const garminAuth = (await (
  await fetch(`${url}/v2/auth/authenticateUser?resource=GARMIN`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ reference_id: 'demo-garmin-user' }),
  })
).json()) as { user_id: string; auth_url: string };
const widget = (await (
  await fetch(`${url}/v2/auth/generateWidgetSession`, { method: 'POST', headers, body: '{}' })
).json()) as { url: string };
const since = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
const older = new Date(Date.now() - 44 * 86_400_000).toISOString().slice(0, 10);

console.log(`
Tributary demo is running at ${url}   (its own temporary store, deleted on exit: ${dataDir})
${port === 8787 ? '' : `(port 8787 is taken, e.g. by the server you started: that one keeps running, untouched)\n`}Private destination targets: ${config.allowPrivateDestinations ? 'allowed' : 'refused'} (${config.allowPrivateDestinationsBecause})
iFit emulator at ${emulator.url}

Dashboard: ${url}/dashboard — sign in with dev-id ${DEV_ID} and API key ${API_KEY}
(the demo's own developer; the one you created belongs to your server's store).

1. Connect iFit: open ${auth.auth_url}
   (or pick iFit in the widget: ${widget.url})
   demo iFit login: ${DEMO_LOGIN.username} / ${DEMO_LOGIN.password}
   The last 30 days are backfilled at once.

2. Read the activities (developer ${DEV_ID}, key ${API_KEY}):
   curl -s -H 'dev-id: ${DEV_ID}' -H 'x-api-key: ${API_KEY}' '${url}/v2/activity?user_id=${auth.user_id}&start_date=${since}&to_webhook=false'
   Older than the backfill? Ask, and Tributary fetches it from iFit first:
   curl -s -H 'dev-id: ${DEV_ID}' -H 'x-api-key: ${API_KEY}' '${url}/v2/activity?user_id=${auth.user_id}&start_date=${older}&to_webhook=false'

3. Record a new workout at "iFit" and watch it arrive within a minute (polling):
   curl -s -X POST ${emulator.url}/_emulator/accounts/${encodeURIComponent(DEMO_LOGIN.username)}/workouts

4. Connect Oura (OAuth2 with PKCE; the Oura emulator at ${oura.url} consents at once): open
   ${ouraAuth.auth_url}
   then read its sleep (stages, hypnogram, HR/HRV):
   curl -s -H 'dev-id: ${DEV_ID}' -H 'x-api-key: ${API_KEY}' '${url}/v2/sleep?user_id=${ouraAuth.user_id}&start_date=${since}&to_webhook=false'

5. Connect WHOOP (OAuth2; the WHOOP emulator at ${whoop.url} consents at once): open
   ${whoopAuth.auth_url}
   then read its days (strain, recovery, resting HR, HRV):
   curl -s -H 'dev-id: ${DEV_ID}' -H 'x-api-key: ${API_KEY}' '${url}/v2/daily?user_id=${whoopAuth.user_id}&start_date=${since}&to_webhook=false'

6. Connect Garmin (OAuth2 with PKCE; the Garmin emulator at ${garmin.url} consents at once): open
   ${garminAuth.auth_url}
   Tributary asks Garmin for the last 30 days (backfill); the emulator pushes them to
   ${url}/providers/garmin/webhook. Then read its days (steps, HR, stress, SpO2, VO2max):
   curl -s -H 'dev-id: ${DEV_ID}' -H 'x-api-key: ${API_KEY}' '${url}/v2/daily?user_id=${garminAuth.user_id}&start_date=${since}&to_webhook=false'

Ctrl-C stops everything.`);

const stop = async () => {
  await app.close();
  await emulator.close();
  await oura.close();
  await whoop.close();
  await garmin.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
