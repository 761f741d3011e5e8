// The lab: a real Debian guest with OpenZFS and an emulated IOMMU under QEMU, reached over SshHost.
// Run with `npx vitest run -c test/lab/vitest.config.ts` (builds the image once, then reuses it).
import { fileURLToPath } from 'node:url';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

// Longest first, so that the two workers finish together: the boot proof (15 minutes alone, 21 in
// .ci/run) on one and the injected-failure loop (19 in .ci/run) on the other, then the two shorter
// files on whichever is free.
const ORDER = [
  'boot-proof.lab.spec.ts',
  'rollbacks.lab.spec.ts',
  'apply.lab.spec.ts',
  'guest.lab.spec.ts',
];
class LongestFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = ORDER.findIndex((name) => f.moduleId.endsWith(`/${name}`));
      return i < 0 ? ORDER.length : i;
    };
    return Promise.resolve([...files].sort((a, b) => rank(a) - rank(b)));
  }
}

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/lab/**/*.lab.spec.ts'],
    testTimeout: 120_000,
    // Building the image (first run only) and booting under TCG happen in beforeAll.
    hookTimeout: 20 * 60_000,
    // Each file boots a guest of its own; two at a time overlap on the 2 cores (both wait on SSH
    // round trips much of the time), which keeps the lab within about 26 minutes.
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    pool: 'forks',
  },
});
