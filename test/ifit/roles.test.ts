import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../delivery/eventually.ts';
import { createTributary, type Tributary } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import {
  dropSchema,
  ENGINES,
  isolatedSchema,
  markEngineUsed,
  TEST_DATABASE_URL,
  TEST_KEY,
  tempDir,
} from '../helpers/engines.ts';
import type { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';
import { IFIT_LOGIN, ifitEnv, startEmulator, submitLogin } from './helpers.ts';

/**
 * Scale-out roles: an API-only process takes the login, a worker-only process (sharing the
 * store) backfills and polls; after a deauth through the API the worker calls iFit no more.
 */
describe.each(ENGINES)('iFit with split API and worker roles (%s)', (engine) => {
  let emulator: IfitEmulator;
  let accountId: string;
  let apiApp: Tributary;
  let workerApp: Tributary;
  let apiUrl: string;
  let schema: string | undefined;
  const headers: Record<string, string> = {};

  beforeAll(async () => {
    markEngineUsed(engine);
    ({ emulator, accountId } = await startEmulator());
    schema = engine === 'postgres' ? isolatedSchema('ifit-roles') : undefined;
    const config = loadConfig({
      TRIBUTARY_PORT: '0',
      TRIBUTARY_DATA_DIR: tempDir(),
      TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
      TRIBUTARY_LOG_LEVEL: 'silent',
      ...(engine === 'postgres' ? { TRIBUTARY_DATABASE_URL: TEST_DATABASE_URL } : {}),
      ...ifitEnv(emulator),
    });
    apiApp = await createTributary(config, { worker: false, schema, logger: createLogger('silent') });
    workerApp = await createTributary({ ...config }, { api: false, schema, logger: createLogger('silent') });
    apiUrl = await apiApp.listen();
    (apiApp.config as { publicUrl: string }).publicUrl = apiUrl;
    await workerApp.listen();
    const { developer, apiKey } = await apiApp.store.developers.create({ name: 'roles' });
    Object.assign(headers, { 'dev-id': developer.devId, 'x-api-key': apiKey, 'content-type': 'application/json' });
  });
  afterAll(async () => {
    await apiApp?.close();
    await workerApp?.close();
    await emulator?.close();
    if (schema) await dropSchema(schema);
  });

  it('the worker backfills a user the API connected, and stops after the API deauthorizes it', async () => {
    expect(apiApp.tasks).toHaveLength(0);
    const answer = (await (
      await fetch(`${apiUrl}/v2/auth/authenticateUser?resource=IFIT`, { method: 'POST', headers, body: '{}' })
    ).json()) as { user_id: string; auth_url: string };
    expect((await submitLogin(answer.auth_url, IFIT_LOGIN.username, IFIT_LOGIN.password)).status).toBe(303);
    const devId = headers['dev-id']!;
    await eventually(
      async () => Boolean((await apiApp.store.connections.get(devId, answer.user_id))?.syncState.lastSyncAt),
      90_000,
      'the first sync',
    );
    const expected = emulator.logs(accountId).filter((log) => log.start > Date.now() - 30 * 86_400_000).length;
    expect(await apiApp.store.records.count(devId, answer.user_id, 'activity')).toBe(expected);

    const deauth = await fetch(`${apiUrl}/v2/auth/deauthenticateUser?user_id=${answer.user_id}`, {
      method: 'DELETE',
      headers: { 'dev-id': devId, 'x-api-key': headers['x-api-key']! },
    });
    expect(deauth.status).toBe(200);
    const before = emulator.requests.length;
    emulator.addWorkout(accountId, { type: 'run' });
    expect(await workerApp.context.sync!.runDue(Date.now() + 86_400_000)).toBe(0);
    expect(emulator.requests.length).toBe(before);
  });
});
