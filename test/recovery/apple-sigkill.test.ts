import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { markEngineUsed, TEST_KEY, tempDir, testBox } from '../helpers/engines.ts';
import { eventually } from '../delivery/eventually.ts';
import { spawnServer, type ServerProcess } from '../delivery/processes.ts';
import { freePort } from './ports.ts';

const DAYS = 1500;
// At most 10,000 samples per list in one batch.
const HOURS = 6;
const STEPS_PER_HOUR = 100;
const WATCH = {
  source: { name: 'Watch', bundle_id: 'com.apple.health.W' },
  device: { name: 'Apple Watch', manufacturer: 'Apple Inc.', model: 'Watch', hardware_version: 'Watch6,7' },
};

/** Hourly step samples for `DAYS` days (UTC), one batch. */
function batch(): Record<string, unknown> {
  const quantity_samples: Record<string, unknown>[] = [];
  const first = Date.UTC(2020, 0, 1);
  for (let day = 0; day < DAYS; day++)
    for (let hour = 0; hour < HOURS; hour++) {
      const start = first + day * 86_400_000 + hour * 3_600_000;
      quantity_samples.push({
        uuid: `s-${day}-${hour}`,
        type: 'HKQuantityTypeIdentifierStepCount',
        value: STEPS_PER_HOUR,
        unit: 'count',
        start_date: new Date(start).toISOString().replace('Z', '+00:00'),
        end_date: new Date(start + 3_000_000).toISOString().replace('Z', '+00:00'),
        ...WATCH,
      });
    }
  return { batch_id: 'kill-batch', quantity_samples };
}

/**
 * Issue 10, item 10b: Apple samples commit before their days are recomputed. A server killed
 * (SIGKILL, a real process kill) after the samples' commit and before the recompute finished
 * loses nothing: the changed days were recorded dirty in the samples' transaction, and the
 * restarted server recomputes them at start-up — the batch need not (and could not usefully)
 * be sent again, since a re-sent batch inserts nothing new.
 */
describe('SIGKILL between the Apple samples commit and the recompute (embedded store)', () => {
  const processes: ServerProcess[] = [];
  let store: Store | undefined;

  afterEach(async () => {
    for (const p of processes.splice(0)) await p.kill();
    await store?.close();
  });

  it('recomputes every day of the batch after a restart', async () => {
    markEngineUsed('sqlite');
    const dataDir = tempDir();
    const port = await freePort();
    const devId = 'dev-apple-kill';
    const apiKey = 'k'.repeat(32);
    const env = {
      TRIBUTARY_DATA_DIR: dataDir,
      TRIBUTARY_PORT: String(port),
      TRIBUTARY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
      TRIBUTARY_BOOTSTRAP_DEV_ID: devId,
      TRIBUTARY_BOOTSTRAP_API_KEY: apiKey,
    };
    const first = await spawnServer([], env);
    processes.push(first);
    const headers = { 'dev-id': devId, 'x-api-key': apiKey };
    const { token } = (await (
      await fetch(`${first.url}/v2/auth/generateAuthToken`, { method: 'POST', headers })
    ).json()) as { token: string };
    const created = await fetch(`${first.url}/v2/sdk/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { user_id: string; sdk_secret: string };

    store = await openStore({ sqliteFile: join(dataDir, 'tributary.db'), box: testBox() });
    const samples = () => store!.appleSamples.count(devId, user.user_id);
    const days = () => store!.records.count(devId, user.user_id, 'daily');
    // The answer never comes: the server is killed while it recomputes.
    const upload = fetch(`${first.url}/v2/sdk/users/${user.user_id}/samples`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.sdk_secret}` },
      body: JSON.stringify(batch()),
    }).then(
      async (response) => {
        // Answered: the kill came too late (or the batch was refused), and the test says which.
        throw new Error(`the upload was answered before the kill: ${response.status} ${await response.text()}`);
      },
      () => undefined,
    );
    let answered: unknown;
    upload.catch((error: unknown) => (answered = error));
    await eventually(
      async () => {
        if (answered) throw answered;
        return (await samples()) === DAYS * HOURS;
      },
      120_000,
      'the samples committing',
    );
    await first.kill();
    await upload;
    if (answered) throw answered;
    const recomputedAtKill = await days();
    // The kill landed between the samples' commit and the end of the recompute.
    expect(recomputedAtKill).toBeLessThan(DAYS);

    const restartedAt = Date.now();
    processes.push(await spawnServer([], env));
    await eventually(async () => (await days()) === DAYS, 120_000, `all ${DAYS} days recomputed after the restart`);
    expect(await store.appleSamples.dirty(Date.now() + 1, 10)).toEqual([]);
    const [daily] = await store.records.listJson(devId, user.user_id, 'daily', {
      startMs: Date.UTC(2023, 0, 1),
      endMs: Date.UTC(2023, 0, 2),
      withSamples: false,
    });
    expect(JSON.parse(daily!)).toMatchObject({ distance_data: { steps: HOURS * STEPS_PER_HOUR } });
    // Their events were written (and are dispatched by the restarted server).
    const events = await store.events.list(devId, { userId: user.user_id, type: 'daily', limit: 10_000 });
    expect(events.length).toBeGreaterThan(0);
    console.log(
      `apple kill: ${recomputedAtKill}/${DAYS} days recomputed at the kill; the rest ${Date.now() - restartedAt} ms after the restart`,
    );
  }, 300_000);
});
