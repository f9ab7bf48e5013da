import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import type { PollState } from '../../src/ingest/sync.ts';
import { markEngineUsed, TEST_KEY, tempDir, testBox } from '../helpers/engines.ts';
import { eventually } from '../delivery/eventually.ts';
import { spawnServer, type ServerProcess } from '../delivery/processes.ts';
import type { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';
import { IFIT_LOGIN, ifitEnv, startEmulator, submitLogin } from '../ifit/helpers.ts';
import { freePort } from './ports.ts';

const DAY_MS = 86_400_000;

/**
 * Issue 10, item 10a: a server killed with SIGKILL in the middle of an iFit backfill holds the
 * connection's sync lease only briefly (30 s, renewed while the sync runs), so after a restart
 * the backfill resumes and completes within 60 s — not when a 10-minute lease runs out.
 */
describe('SIGKILL mid-backfill (iFit, embedded store)', () => {
  const processes: ServerProcess[] = [];
  let emulator: IfitEmulator | undefined;
  let store: Store | undefined;

  afterEach(async () => {
    for (const p of processes.splice(0)) await p.kill();
    await store?.close();
    await emulator?.close();
  });

  it('resumes the backfill after a restart and completes it within 60 s', async () => {
    markEngineUsed('sqlite');
    const started = await startEmulator();
    emulator = started.emulator;
    // A slow iFit: the backfill of ~24 workouts takes many seconds, so the kill lands mid-way.
    emulator.latencyMs = 400;
    const dataDir = tempDir();
    const port = await freePort();
    const devId = 'dev-ifit-kill';
    const apiKey = 'k'.repeat(32);
    const env = {
      ...ifitEnv(emulator),
      TRIBUTARY_DATA_DIR: dataDir,
      TRIBUTARY_PORT: String(port),
      TRIBUTARY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
      TRIBUTARY_BOOTSTRAP_DEV_ID: devId,
      TRIBUTARY_BOOTSTRAP_API_KEY: apiKey,
    };
    const first = await spawnServer([], env);
    processes.push(first);
    const answer = (await (
      await fetch(`${first.url}/v2/auth/authenticateUser?resource=IFIT`, {
        method: 'POST',
        headers: { 'dev-id': devId, 'x-api-key': apiKey, 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { user_id: string; auth_url: string };
    expect((await submitLogin(answer.auth_url, IFIT_LOGIN.username, IFIT_LOGIN.password)).status).toBe(303);
    const expected = emulator.logs(started.accountId).filter((log) => log.start > Date.now() - 30 * DAY_MS).length;
    expect(expected).toBeGreaterThan(10);

    store = await openStore({ sqliteFile: join(dataDir, 'tributary.db'), box: testBox() });
    const count = () => store!.records.count(devId, answer.user_id, 'activity');
    await eventually(async () => (await count()) >= 3, 60_000, 'the backfill storing its first workouts');
    await first.kill();
    const storedAtKill = await count();
    const atKill = await store.connections.get<unknown, PollState>(devId, answer.user_id);
    // Killed mid-backfill: part of the history stored, the sync not finished.
    expect(storedAtKill).toBeLessThan(expected);
    expect(atKill?.syncState.lastSyncAt).toBeUndefined();

    emulator.latencyMs = 0;
    processes.push(await spawnServer([], env));
    await eventually(
      async () => {
        const connection = await store!.connections.get<unknown, PollState>(devId, answer.user_id);
        return connection?.syncState.lastSyncAt !== undefined && (await count()) === expected;
      },
      120_000,
      'the backfill completing after the restart',
    );
    expect(await count()).toBe(expected);
  }, 240_000);
});
