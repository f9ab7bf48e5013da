#!/usr/bin/env node
/* global process, URL */
// Runs the compiled CLI (dist/, built from src/ by `npm run build`, which `npm ci` runs as `prepare`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('tributary: dist/ is missing; build it with `npm run build` (npm ci does it)\n');
  process.exit(1);
}
const { run } = await import(main.href);
run(process.argv.slice(2));
