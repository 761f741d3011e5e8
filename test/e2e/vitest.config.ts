// The browser end-to-end tests: headless Debian chromium against `cohabit serve --demo`. Run with
// `npx vitest run -c test/e2e/vitest.config.ts` (builds the renderer first if dist/ is missing).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/e2e/**/*.e2e.spec.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
