import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,electron,renderer,test,build}/**/*.spec.ts'],
    exclude: ['node_modules', 'dist', 'test/e2e/**', 'test/lab/**'],
    testTimeout: 20_000,
    pool: 'threads',
    // The log and the drafts default to the user's XDG state: no spec writes the developer's.
    env: { XDG_STATE_HOME: join(tmpdir(), `cohabit-vitest-state-${process.pid}`) },
  },
});
