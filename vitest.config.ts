import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Slow suites (load, soak, CDK synth) read this to pick their size; CI runs the same reduced size.
    env: { TZ: 'UTC' },
  },
});
