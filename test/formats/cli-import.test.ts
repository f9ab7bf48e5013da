import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { tributary } from '../helpers/cli.ts';
import { TEST_KEY, markEngineUsed, tempDir, testBox } from '../helpers/engines.ts';
import { LOCAL_FIXTURES } from './fixtures.ts';

const cli = (args: string[], env: Record<string, string>) => tributary(args, env, { base: 'minimal' });

// The CLI opens the embedded store file directly; the import logic itself runs on both engines in upload-api.test.ts.
describe('tributary import (embedded store)', () => {
  const dataDir = tempDir();
  const env = { TRIBUTARY_DATA_DIR: dataDir, TRIBUTARY_ENCRYPTION_KEY: TEST_KEY, TRIBUTARY_LOG_LEVEL: 'silent' };
  const folder = tempDir('workouts-');
  let store: Store;
  let userId: string;
  let devId: string;

  beforeAll(async () => {
    markEngineUsed('sqlite');
    store = await openStore({ sqliteFile: join(dataDir, 'tributary.db'), box: testBox() });
    const { developer } = await store.developers.create({ name: 'cli' });
    devId = developer.devId;
    userId = (await store.users.create(devId, { provider: 'UPLOAD', state: 'connected' })).userId;
    mkdirSync(join(folder, '2017'));
    copyFileSync(join(LOCAL_FIXTURES, 'fit/python-fitparse/garmin-fenix-5-run.fit'), join(folder, '2017', 'run.FIT'));
    copyFileSync(
      join(LOCAL_FIXTURES, 'fit/python-fitparse/sample_mulitple_header.fit'),
      join(folder, '2017', 'triathlon.fit'),
    );
    copyFileSync(join(LOCAL_FIXTURES, 'tcx/python-tcxparser/test.tcx'), join(folder, 'run.tcx'));
    copyFileSync(join(LOCAL_FIXTURES, 'fit/python-fitparse/activity-unexpected-eof.fit'), join(folder, 'broken.fit'));
    writeFileSync(join(folder, 'notes.txt'), 'not a workout');
  });
  afterAll(async () => store?.close());

  it('imports a folder recursively and summarizes imported, skipped and rejected files with reasons', async () => {
    const first = await cli(['import', folder, '--user', userId], env);
    expect(first.code, first.stderr).toBe(1); // one file was rejected
    expect(first.stdout).toMatch(/^Imported 3 files \(7 activities\), skipped 1, rejected 1\./);
    expect(first.stdout).toMatch(/skipped\s+.*notes\.txt: not a workout file type/);
    expect(first.stdout).toMatch(/rejected\s+.*broken\.fit: the FIT file fails the integrity check/);
    expect(await store.records.count(devId, userId, 'activity')).toBe(7);
    expect(await store.events.list(devId, { userId, type: 'activity' })).toHaveLength(3);

    const again = await cli(['import', join(folder, '2017'), join(folder, 'run.tcx'), '--user', userId, '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout) as {
      imported: unknown[];
      skipped: { file: string; reason: string }[];
      rejected: unknown[];
    };
    expect(summary.imported).toEqual([]);
    expect(summary.skipped.map((s) => s.reason)).toEqual(['already imported', 'already imported', 'already imported']);
    expect(await store.records.count(devId, userId, 'activity')).toBe(7);
    expect(await store.events.list(devId, { userId, type: 'activity' })).toHaveLength(3);
  }, 120_000); // each CLI run starts a Node process that loads the compiled app

  it('says what is wrong with the command line', async () => {
    expect((await cli(['import', folder], env)).stderr).toMatch(/usage:/);
    const unknown = await cli(['import', folder, '--user', 'no-such-user'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/user no-such-user not found/);
    const missing = await cli(['import', join(folder, 'nope.fit'), '--user', userId], env);
    expect(missing.stdout).toMatch(/rejected\s+.*nope\.fit: no such file or folder/);
  }, 120_000);
});
