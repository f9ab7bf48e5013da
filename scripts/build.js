#!/usr/bin/env node
/* global console, process, URL */
/**
 * Compiles src/ to dist/ (ESM JavaScript for Node 20), which `npm start`, the `tributary` CLI
 * and the published package run: no TypeScript at run time.
 *
 * Plain JavaScript on purpose: it runs as the `prepare` step of `npm ci` and `npm ci --omit=dev`,
 * with only production dependencies (esbuild). Each source file becomes one module at the same
 * relative path; the `.ts` specifiers of relative imports become `.js` (what TypeScript's
 * `rewriteRelativeImportExtensions` does), packages stay imports. Files that are not TypeScript
 * (generated JSON schemas, fixtures) are copied beside them, and the dashboard's browser sources
 * (src/web/) are copied as they are: the server bundles them for the browser on first request.
 */
import { build } from 'esbuild';
import { cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, 'dist');
const BROWSER_DIR = join(SRC, 'web');

/** Every file under dir, recursively. */
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const files = walk(SRC);
const isServerTs = (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.startsWith(BROWSER_DIR);
const entryPoints = files.filter(isServerTs);

/** Keeps every import an import: relative `.ts` specifiers are rewritten to `.js`. */
const keepImports = {
  name: 'keep-imports',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const path = /^\.\.?\//.test(args.path) ? args.path.replace(/\.ts$/, '.js') : args.path;
      return { path, external: true };
    });
  },
};

const started = Date.now();
// No wipe first: a running server or a parallel test run may be reading dist/ (files are replaced).
await build({
  entryPoints,
  outdir: OUT,
  outbase: SRC,
  bundle: true, // one module per entry point: the plugin leaves every import external
  plugins: [keepImports],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const file of files) {
  if (isServerTs(file) || file.endsWith('.test.ts')) continue;
  cpSync(file, join(OUT, relative(SRC, file)));
}
if (!process.argv.includes('--quiet')) {
  console.log(`built dist/ from src/: ${entryPoints.length} modules in ${Date.now() - started} ms`);
}
