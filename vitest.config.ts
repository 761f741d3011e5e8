import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,electron,renderer,test,build}/**/*.spec.ts'],
    exclude: ['node_modules', 'dist', 'test/e2e/**', 'test/lab/**'],
    testTimeout: 20_000,
    pool: 'threads',
  },
});
