import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Lab and browser tests share ports and network namespaces: one file at a time for those.
    fileParallelism: true,
    pool: 'forks',
  },
});
