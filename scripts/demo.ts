/**
 * `npm run demo`: Tributary with a local iFit emulator, ready to connect in a browser.
 *
 * Starts the iFit emulator (demo login below, 45 days of generated workouts), then
 * Tributary on an embedded store in a fresh temporary folder with a bootstrap developer,
 * creates a login link, and prints what to open and which calls to try. Ctrl-C stops both.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTributary } from '../src/app.ts';
import { loadConfig } from '../src/core/config.ts';
import { installLastResortHandler } from '../src/core/last-resort.ts';
import { createLogger } from '../src/core/logger.ts';
import { DEMO_LOGIN, startDemoEmulator } from '../test/emulators/ifit/main.ts';

const DEV_ID = 'demo-developer';
const API_KEY = 'demo-api-key-not-for-production';

const emulatorPort = Number(process.env.DEMO_IFIT_PORT ?? 8788);
const emulator = await startDemoEmulator({ port: emulatorPort, days: 45 });
const dataDir = mkdtempSync(join(tmpdir(), 'tributary-demo-'));
const config = loadConfig({
  TRIBUTARY_PORT: '8787',
  TRIBUTARY_LOG_LEVEL: 'warn',
  // The demo's destinations are local receivers (the operator can still say false).
  TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS: 'true',
  ...process.env,
  TRIBUTARY_DATA_DIR: dataDir,
  TRIBUTARY_BOOTSTRAP_DEV_ID: DEV_ID,
  TRIBUTARY_BOOTSTRAP_API_KEY: API_KEY,
  TRIBUTARY_PROVIDER_IFIT_BASE_URL: emulator.url,
  TRIBUTARY_PROVIDER_IFIT_CLIENT_ID: emulator.clientId,
  TRIBUTARY_PROVIDER_IFIT_CLIENT_SECRET: emulator.clientSecret,
  TRIBUTARY_PROVIDER_IFIT_POLL_SECONDS: process.env.TRIBUTARY_PROVIDER_IFIT_POLL_SECONDS ?? '60',
  TRIBUTARY_PROVIDER_IFIT_BACKFILL_DAYS: process.env.TRIBUTARY_PROVIDER_IFIT_BACKFILL_DAYS ?? '30',
});
installLastResortHandler(createLogger(config.logLevel));
const app = await createTributary(config);
const url = await app.listen();
const headers = { 'dev-id': DEV_ID, 'x-api-key': API_KEY, 'content-type': 'application/json' };
const auth = (await (
  await fetch(`${url}/v2/auth/authenticateUser?resource=IFIT`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ reference_id: 'demo-user' }),
  })
).json()) as { user_id: string; auth_url: string };
const widget = (await (
  await fetch(`${url}/v2/auth/generateWidgetSession`, { method: 'POST', headers, body: '{}' })
).json()) as { url: string };
const since = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
const older = new Date(Date.now() - 44 * 86_400_000).toISOString().slice(0, 10);

console.log(`
Tributary demo is running at ${url}   (data: ${dataDir})
Private destination targets: ${config.allowPrivateDestinations ? 'allowed' : 'refused'} (${config.allowPrivateDestinationsBecause})
iFit emulator at ${emulator.url}

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

Ctrl-C stops everything.`);

const stop = async () => {
  await app.close();
  await emulator.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
