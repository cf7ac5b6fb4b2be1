import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native addons and libtorch's thread pools are safest in child processes.
    pool: 'forks',
    // Parity fixtures come from the Python reference, made once per run.
    globalSetup: ['test/setup/fixtures.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    reporters: ['default', './test/setup/summary-reporter.ts'],
  },
});
