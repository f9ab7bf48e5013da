import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * vitest globalSetup: compiles src/ to dist/ once before the tests, so the tests that spawn
 * `bin/tributary.js` (which runs dist/) exercise the code as it is now, not a stale build.
 */
export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build.js', import.meta.url)), '--quiet'], {
    stdio: 'inherit',
  });
}
