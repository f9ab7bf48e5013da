import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCommand } from '../../src/cli/import.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/index.ts';
import { TEST_KEY, markEngineUsed, tempDir, testBox } from '../helpers/engines.ts';
import { progressLine } from '../../src/ingest/apple/export-upload.ts';
import { FIXTURES, zipFolder } from './helpers.ts';

describe('tributary import with an Apple Health export (sqlite)', () => {
  const dataDir = tempDir();
  const saved = { ...process.env };
  let store: Store;
  beforeAll(() => {
    markEngineUsed('sqlite');
    process.env.TRIBUTARY_DATA_DIR = dataDir;
    process.env.TRIBUTARY_ENCRYPTION_KEY = TEST_KEY;
    delete process.env.TRIBUTARY_DATABASE_URL;
  });
  afterAll(async () => {
    process.env = saved;
  });

  const run = async (args: string[]) => {
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c) => chunks.push(String(c)));
    const code = await importCommand(args, out, err);
    return { code, out: chunks.join('') };
  };

  it('streams export.zip from disk for the user, and skips it the second time', async () => {
    store = await openStore({ sqliteFile: join(dataDir, 'tributary.db'), box: testBox() });
    const { developer } = await store.developers.create({ name: 'dev' });
    const user = await store.users.create(developer.devId, { provider: 'APPLE', state: 'connected' });
    await store.close();
    const zip = await zipFolder(join(FIXTURES, 'tributary-v14'), join(tempDir(), 'export.zip'));

    const first = await run([zip, '--user', user.userId, '--json']);
    expect(first.code).toBe(0);
    expect(first.out).toContain('imported');
    const second = await run([zip, '--user', user.userId, '--json']);
    expect(second.code).toBe(0);
    expect(second.out).toContain('skipped');

    store = await openStore({ sqliteFile: join(dataDir, 'tributary.db'), box: testBox() });
    try {
      const daily = await store.records.listJson(developer.devId, user.userId, 'daily', { withSamples: false });
      expect((JSON.parse(daily[0]!) as { distance_data: { steps: number } }).distance_data.steps).toBe(4200);
      expect(await store.records.count(developer.devId, user.userId, 'activity')).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('shows import progress on a terminal only', () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    const written: string[] = [];
    tty.on('data', (c) => written.push(String(c)));
    const onProgress = progressLine(tty)!;
    onProgress({
      phase: 'reading',
      bytesRead: 50e6,
      totalBytes: 100e6,
      samples: 123456,
      workouts: 7,
      days: 0,
      daysTotal: 0,
    });
    onProgress({
      phase: 'done',
      bytesRead: 100e6,
      totalBytes: 100e6,
      samples: 200000,
      workouts: 9,
      days: 30,
      daysTotal: 30,
    });
    expect(written.join('')).toContain('reading 50% (50 MB of 100 MB), 123,456 samples, 7 workouts');
    expect(written.join('')).toMatch(/done 30\/30\n$/);
    expect(progressLine(new PassThrough())).toBeUndefined();
  });
});
