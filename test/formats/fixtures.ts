import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Permissive fixtures copied into the repository (see its SOURCES.md). */
export const LOCAL_FIXTURES = resolve(here, '../fixtures/files');

/**
 * The team's shared fixture collection, read in place (copyleft files are never copied).
 * Present in CI; absent in a user's fresh clone, where the tests using it say they skipped.
 */
export const SHARED_FIXTURES = resolve(here, '../../../shared/fixtures');
export const HAS_SHARED = existsSync(join(SHARED_FIXTURES, 'SOURCES.md'));

export function listFiles(root: string, pattern: RegExp): string[] {
  if (!existsSync(root)) return [];
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : [path];
      });
  return walk(root).filter((path) => pattern.test(path));
}

export function shortName(path: string): string {
  return relative(path.startsWith(SHARED_FIXTURES) ? SHARED_FIXTURES : LOCAL_FIXTURES, path);
}

export function noteSkipped(what: string): void {
  if (!HAS_SHARED)
    console.warn(
      `SKIPPED ${what}: ${SHARED_FIXTURES} is absent (the shared fixture collection is only present in CI and team checkouts)`,
    );
}
