/**
 * `npm run bench`: runs every `bench/*.bench.ts` in name order. Each exports
 * `default async function (): Promise<void>` that prints its own figures, always against
 * a same-run baseline (see CONTRIBUTING.md). `npm run bench -- activity` runs only the
 * files whose name contains "activity".
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matched ${filters.length ? filters.join(', ') : 'bench/*.bench.ts'}`);
  process.exit(1);
}

const failed: string[] = [];
const started = performance.now();
for (const file of files) {
  console.log(`\n== ${file}`);
  const t0 = performance.now();
  try {
    const module = (await import(pathToFileURL(join(here, file)).href)) as { default?: () => Promise<void> };
    if (typeof module.default !== 'function') throw new Error('does not export a default async function');
    await module.default();
    console.log(`(${file}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failed.push(file);
    console.error(`FAILED ${file}:`, error);
  }
}
console.log(
  `\n${files.length - failed.length}/${files.length} benchmarks ran in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
