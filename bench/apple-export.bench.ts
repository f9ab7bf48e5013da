/**
 * Apple Health export import (streaming export.xml → samples → Daily/Body/Sleep/Activity
 * records) in MB/s, against the same-run floor: a bare saxes parse of the same file with
 * no handlers. Prints both and the ratio. `BENCH_APPLE_MB` sets the file size (default 200).
 * The embedded store (SQLite) is measured: that is the default deployment.
 */
import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import { importAppleExport } from '../src/ingest/apple/export-import.ts';
import { openTestStore, tempDir } from '../test/helpers/engines.ts';
import { generateExport } from '../test/apple/generate-export.ts';

const MB = Number(process.env.BENCH_APPLE_MB ?? 200);

export default async function appleExportBench(): Promise<void> {
  const dir = tempDir('tributary-bench-apple-');
  const file = join(dir, 'export.xml');
  try {
    const t0 = performance.now();
    const generated = await generateExport(file, MB * 1e6);
    const mb = generated.bytes / 1e6;
    console.log(
      `generated ${mb.toFixed(0)} MB export (${generated.records} records, ${generated.days} days) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const bare = await bareParse(file);
    console.log(`bare saxes parse:       ${(bare / 1000).toFixed(2)} s  ${(mb / (bare / 1000)).toFixed(1)} MB/s`);

    const store = await openTestStore('sqlite', 'bench-apple');
    try {
      const { developer } = await store.store.developers.create({ name: 'bench' });
      const user = await store.store.users.create(developer.devId, { provider: 'APPLE', state: 'connected' });
      let readingDone = 0;
      const t1 = performance.now();
      const summary = await importAppleExport({ store: store.store }, user, file, {
        onProgress: (p) => {
          if (p.phase !== 'reading' && readingDone === 0) readingDone = performance.now();
        },
      });
      const total = performance.now() - t1;
      const reading = readingDone - t1;
      console.log(
        `import, parse + store:  ${(reading / 1000).toFixed(2)} s  ${(mb / (reading / 1000)).toFixed(1)} MB/s  (${summary.samplesNew} samples)`,
      );
      console.log(
        `import, total:          ${(total / 1000).toFixed(2)} s  ${(mb / (total / 1000)).toFixed(1)} MB/s  (+ ${summary.daysRecomputed} days/nights recomputed)`,
      );
      console.log(`ratio import/bare parse: ${(bare / total).toFixed(2)} (1.00 = as fast as parsing alone)`);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bareParse(file: string): Promise<number> {
  const parser = new SaxesParser({ xmlns: false });
  const decoder = new StringDecoder('utf8');
  const t = performance.now();
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 18 }))
    parser.write(decoder.write(chunk as Buffer));
  parser.write(decoder.end());
  parser.close();
  return performance.now() - t;
}
