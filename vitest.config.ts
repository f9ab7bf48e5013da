import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The CLI tests spawn bin/tributary.js, which runs the compiled dist/: build it first.
    globalSetup: ['test/helpers/build-dist.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: a few forks in parallel, each file isolated in its own schema/dir.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    reporters: ['default'],
  },
});
