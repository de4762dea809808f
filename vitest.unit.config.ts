// `npm run test:unit`: the fast tests, with no system packages, no root and no browser: the
// core on simulated networks, the extension against fakes of the browser APIs, and the
// loopback integration of the core with a real endpoint. Seconds, for every change; `npm test`
// runs everything.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/core/**/*.test.ts', 'test/extension/**/*.test.ts', 'test/integration/**/*.test.ts'],
    // web-ext lint reads the built extension; npm test runs it after the build.
    exclude: ['test/extension/web-ext-lint.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
