/**
 * FIT import throughput: decode + normalize + store (`importWorkoutUpload`, the path of
 * `POST /v2/files` and `tributary import`, into the embedded store) against the same-run
 * baseline of @garmin/fitsdk decoding the same files alone (integrity check + read, the
 * SDK's default options). Prints MB/s for both and the ratio.
 * Files: every importable FIT in test/fixtures/files and, when present, ../shared/fixtures.
 */
import { Decoder, Stream } from '@garmin/fitsdk';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeFit } from '../src/formats/fit.ts';
import { importWorkoutUpload } from '../src/ingest/upload-files.ts';
import { openStore } from '../src/store/index.ts';
import { tempDir, testBox } from '../test/helpers/engines.ts';

const ROUNDS = Number(process.env.BENCH_FIT_ROUNDS ?? 5);
const here = dirname(fileURLToPath(import.meta.url));

function fitFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) =>
      statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)],
    );
  return walk(root).filter((path) => path.toLowerCase().endsWith('.fit'));
}

function importable(bytes: Buffer): boolean {
  try {
    return decodeFit(bytes).length > 0;
  } catch {
    return false;
  }
}

export default async function fitImportBench(): Promise<void> {
  const paths = [
    ...fitFiles(resolve(here, '../test/fixtures/files')),
    ...fitFiles(resolve(here, '../../shared/fixtures')),
  ];
  const files = paths.map((path) => readFileSync(path)).filter(importable);
  const bytes = files.reduce((n, f) => n + f.length, 0);
  console.log(
    `${files.length} importable FIT files, ${(bytes / 1024 / 1024).toFixed(2)} MB, ${ROUNDS} rounds each (after one warm-up)`,
  );

  const store = await openStore({ sqliteFile: join(tempDir('tributary-bench-fit-'), 'tributary.db'), box: testBox() });
  try {
    const { developer } = await store.developers.create({ name: 'bench' });
    const sdkOnly = () => {
      for (const file of files) {
        const decoder = new Decoder(Stream.fromBuffer(file));
        if (!decoder.checkIntegrity()) throw new Error('integrity');
        const { errors } = new Decoder(Stream.fromBuffer(file)).read();
        if (errors.length > 0) throw errors[0];
      }
    };
    const fullImport = async () => {
      // A fresh user per round: every round really writes (re-importing the same user's files is a no-op by design).
      const user = await store.users.create(developer.devId, { provider: 'UPLOAD', state: 'connected' });
      for (const file of files) await importWorkoutUpload(store, user, file, { maxBytes: 64 * 1024 * 1024 });
    };
    sdkOnly();
    await fullImport();
    const sdkMs: number[] = [];
    const importMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let t = performance.now();
      sdkOnly();
      sdkMs.push(performance.now() - t);
      t = performance.now();
      await fullImport();
      importMs.push(performance.now() - t);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const mbps = (ms: number) => (bytes / 1024 / 1024 / (ms / 1000)).toFixed(2);
    const sdk = median(sdkMs);
    const imp = median(importMs);
    console.log(`@garmin/fitsdk decode only (baseline): median ${sdk.toFixed(0)} ms  ${mbps(sdk)} MB/s`);
    console.log(`import (decode + normalize + store):   median ${imp.toFixed(0)} ms  ${mbps(imp)} MB/s`);
    console.log(
      `ratio import / decode-only: ${(imp / sdk).toFixed(2)}x the time (${((sdk / imp) * 100).toFixed(0)}% of the SDK's throughput)`,
    );
  } finally {
    await store.close();
  }
}
