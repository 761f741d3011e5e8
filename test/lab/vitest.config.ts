// The lab: a real Debian guest with OpenZFS and an emulated IOMMU under QEMU, reached over SshHost.
// Run with `npx vitest run -c test/lab/vitest.config.ts` (builds the image once, then reuses it).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/lab/**/*.lab.spec.ts'],
    testTimeout: 120_000,
    // Building the image (first run only) and booting under TCG happen in beforeAll.
    hookTimeout: 20 * 60_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
