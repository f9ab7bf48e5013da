import { defineConfig } from 'vitest/config';

/**
 * Suites that load the whole machine for minutes (a 1 GiB Apple export; npm pack + install,
 * which compiles better-sqlite3). Beside other files they starve them of CPU and make their
 * wall-clock budgets (emulator answers, retries) fail under load, so they run in a group of
 * their own, one file at a time, after every other file has finished.
 */
const HEAVY = ['test/apple/large-export.test.ts', 'test/package/pack-install.test.ts'];

export default defineConfig({
  test: {
    // Tests wait for conditions (eventually/waitFor, 60 s by default), never for fixed times; these
    // only end a test that hangs, with room for a two-core machine under full load.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: a few forks in parallel, each file isolated in its own schema/dir.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    reporters: ['default'],
    // Coverage of src/ (V8's own counters, no instrumentation): on whenever CI=true, so CI
    // runs exactly the README's `npm test` and prints the summary (the JSON summary lands in
    // coverage/); off for local and targeted runs (`npm test -- --coverage` turns it on).
    // Coverage is a root option in vitest, so it spans both projects.
    coverage: {
      enabled: process.env.CI === 'true',
      provider: 'v8',
      include: ['src/**/*.ts'],
      // src/web/dashboard is browser code: bundled by esbuild and run in Chromium by the browser
      // tests (test/web), never loaded by Node, so V8's Node counters would count it as 0 %.
      exclude: ['src/**/*.test.ts', 'src/model/generated/**', 'src/**/*.d.ts', 'src/web/dashboard/**'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      // The floor: just under the first full CI run's figures (2026-12-03: statements and
      // lines 82.45 %, branches 87.84 %, functions 96.81 %), so coverage cannot fall silently.
      thresholds: { statements: 81, lines: 81, branches: 86, functions: 95 },
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: HEAVY,
          // The CLI tests spawn bin/tributary.js, which runs the compiled dist/: build it first.
          globalSetup: ['test/helpers/build-dist.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'heavy',
          include: HEAVY,
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
