/**
 * Adversarial uploads (issue 10, item 3): small files built to make the importer do far
 * more work than their size, imported as `POST /v2/files` does (`importWorkoutUpload`,
 * default 50 MB limit, embedded store). For each prints the file size, the answer (a 4xx
 * is the expected outcome for the hostile ones), the time, and the worst event-loop delay
 * measured while it ran, against the same-run baseline of an ordinary FIT run.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importWorkoutUpload } from '../src/ingest/upload-files.ts';
import { openStore } from '../src/store/index.ts';
import { tempDir, testBox } from '../test/helpers/engines.ts';
import { fitSharedWindow, zipOfGzipBombs } from '../test/security/hostile-files.ts';

const here = dirname(fileURLToPath(import.meta.url));
const LIMIT = 50 * 1024 * 1024;

export default async function adversarialUploadBench(): Promise<void> {
  const cases: [string, Buffer][] = [
    [
      'baseline: garmin-fenix-5-run.fit',
      readFileSync(resolve(here, '../test/fixtures/files/fit/python-fitparse/garmin-fenix-5-run.fit')),
    ],
    ['zip of 40 gzip entries of 48 MB each', zipOfGzipBombs(40, 48 * 1024 * 1024)],
    ['FIT: 150 sessions sharing one window of 5,000 records', fitSharedWindow(150, 5000)],
    ['FIT: 10,000 sessions', fitSharedWindow(10_000, 2)],
  ];
  const store = await openStore({ sqliteFile: join(tempDir('tributary-bench-adv-'), 'tributary.db'), box: testBox() });
  try {
    const { developer } = await store.developers.create({ name: 'bench' });
    const user = await store.users.create(developer.devId, { provider: 'UPLOAD', state: 'connected' });
    let worstOverall = 0;
    for (const [name, bytes] of cases) {
      const delay = watchEventLoop();
      const started = performance.now();
      const outcome = await importWorkoutUpload(store, user, bytes, { maxBytes: LIMIT }).then(
        (result) => `201 (${result.summaryIds.length} activities)`,
        (error: unknown) => `${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message.slice(0, 80)}`,
      );
      const elapsed = performance.now() - started;
      const worstMs = await delay.stop();
      if (!name.startsWith('baseline')) worstOverall = Math.max(worstOverall, worstMs);
      console.log(
        `${name}: ${(bytes.length / 1024).toFixed(1)} KB → ${outcome}; ${elapsed.toFixed(0)} ms, worst event-loop delay ${worstMs.toFixed(0)} ms`,
      );
    }
    console.log(`worst event-loop delay over the adversarial uploads: ${worstOverall.toFixed(0)} ms`);
  } finally {
    await store.close();
  }
}

/**
 * The longest gap between ticks of a 5 ms timer: how long the event loop was blocked
 * (perf_hooks' histogram records nothing when one synchronous stretch spans its whole run).
 */
function watchEventLoop(): { stop(): Promise<number> } {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  return {
    async stop() {
      // Let a tick that was held back by the last synchronous stretch fire and be counted.
      await new Promise((resolve) => setTimeout(resolve, 10));
      clearInterval(timer);
      return Math.max(0, worst);
    },
  };
}
