import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConfiguredStore } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { storeRecords } from '../../src/ingest/store-records.ts';
import type { TerraRecord } from '../../src/model/data-types.ts';
import { normalizeSleep } from '../../src/providers/oura/oura-normalize.ts';
import { tributary } from '../helpers/cli.ts';
import { markEngineUsed, tempDir } from '../helpers/engines.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SLEEP = readFileSync(join(ROOT, 'src/providers/oura/fixtures/sleep-long.json'), 'utf8');

// Spawns Node processes that load the compiled CLI: allow for a busy CI box.
describe('tributary replay', { timeout: 120_000 }, () => {
  let dataDir: string;
  let env: Record<string, string>;
  let userId: string;
  let devId: string;
  let summaryId: string;
  let fresh: TerraRecord;

  beforeAll(async () => {
    markEngineUsed('sqlite');
    dataDir = tempDir('tributary-replay-cli-');
    env = { TRIBUTARY_DATA_DIR: dataDir, TRIBUTARY_LOG_LEVEL: 'silent' };
    const store = await openConfiguredStore(loadConfig(env));
    try {
      devId = (await store.developers.create({ name: 'replay' })).developer.devId;
      const user = await store.users.create(devId, { provider: 'OURA', state: 'connected' });
      userId = user.userId;
      fresh = normalizeSleep(JSON.parse(SLEEP))!;
      summaryId = (fresh.metadata as { summary_id: string }).summary_id;
      // What an older normalizer stored from the same raw document.
      const old = { ...fresh, metadata: { ...(fresh.metadata as object), name: 'old normalizer' } } as TerraRecord;
      await storeRecords(store, {
        user,
        type: 'sleep',
        raw: {
          provider: 'OURA',
          dataType: 'sleep',
          externalId: 'sleep:1',
          contentType: 'application/json',
          body: SLEEP,
        },
        records: [old],
      });
    } finally {
      await store.close();
    }
  });
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const stored = async () => {
    const store = await openConfiguredStore(loadConfig(env));
    try {
      return {
        record: await store.records.get(devId, userId, 'sleep', summaryId),
        events: (await store.events.list(devId, { userId, type: 'sleep' })).length,
      };
    } finally {
      await store.close();
    }
  };

  it('--dry-run --json counts what would change and writes nothing', async () => {
    const run = await tributary(['replay', '--dry-run', '--json', '--provider', 'oura'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      dry_run: true,
      users: 1,
      changed: 1,
      unchanged: 0,
      failed: 0,
      events: 0,
      by_type: { sleep: { changed: 1, unchanged: 0 } },
    });
    const after = await stored();
    expect(after.events).toBe(1);
    expect((after.record!.metadata as { name?: string }).name).toBe('old normalizer');
  });

  it('replays a user: prints changed/unchanged counts, stores the new record with one event; a second run changes nothing', async () => {
    const run = await tributary(
      ['replay', '--user', userId, '--type', 'sleep', '--from', '2022-07-01', '--to', '2022-07-31'],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Changed 1 record(s), 0 unchanged');
    expect(run.stdout).toContain('sleep: 1 changed, 0 unchanged');
    const after = await stored();
    expect(after.record).toEqual(fresh);
    expect(after.events).toBe(2);

    const again = await tributary(['replay', '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: 0, unchanged: 1, events: 0 });
    expect((await stored()).events).toBe(2);
    // Outside the period nothing is even compared.
    const outside = await tributary(['replay', '--json', '--from', '2023-01-01'], env);
    expect(JSON.parse(outside.stdout)).toMatchObject({ changed: 0, unchanged: 0 });
  });

  it('follows the CLI conventions: --help, usage errors exit 2, an unknown user exits 1', async () => {
    const help = await tributary(['replay', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('tributary replay [--user ID]');
    for (const args of [
      ['--type', 'steps'],
      ['--from', '2024-13-45'],
      ['--from', '2024-02-01', '--to', '2024-01-01'],
      ['--bogus'],
      ['extra'],
    ]) {
      const bad = await tributary(['replay', ...args], env);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toContain('Usage:');
    }
    const unknown = await tributary(['replay', '--user', 'user_nobody'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('tributary replay: no user user_nobody\n');
  });
});
