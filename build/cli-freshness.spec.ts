// bin/cli-freshness.mjs: the checkout's `cohabit` runs dist/cli.mjs only while it is the build of the sources as they are.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLE, MANIFEST, bundleIsFresh, recordSources } from '../bin/cli-freshness.mjs';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cohabit-fresh-'));
  await mkdir(join(root, 'dist'));
  await mkdir(join(root, 'electron'));
  await writeFile(join(root, 'electron/a.ts'), 'export const a = 1;\n');
  await writeFile(join(root, 'electron/b.ts'), 'export const b = 2;\n');
  await writeFile(join(root, BUNDLE), '// bundle\n');
  const manifest = recordSources(root, ['electron/a.ts', 'electron/b.ts'], join(root, BUNDLE));
  await writeFile(join(root, MANIFEST), JSON.stringify(manifest));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('bundleIsFresh', () => {
  it('is fresh right after the build', () => {
    expect(bundleIsFresh(root)).toBe(true);
  });

  it('stays fresh when a source is touched but unchanged (its hash still matches)', async () => {
    await utimes(join(root, 'electron/a.ts'), new Date(), new Date(Date.now() + 5000));
    expect(bundleIsFresh(root)).toBe(true);
  });

  it('is stale when a source changes, even to the same size', async () => {
    await writeFile(join(root, 'electron/a.ts'), 'export const a = 9;\n');
    expect(bundleIsFresh(root)).toBe(false);
  });

  it('is stale when a touched source changed size or content', async () => {
    await writeFile(join(root, 'electron/b.ts'), 'export const b = 2; // more\n');
    expect(bundleIsFresh(root)).toBe(false);
  });

  it('is stale when a source is gone', async () => {
    await rm(join(root, 'electron/b.ts'));
    expect(bundleIsFresh(root)).toBe(false);
  });

  it('is stale when the bundle is not the one recorded', async () => {
    await writeFile(join(root, BUNDLE), '// another bundle\n');
    expect(bundleIsFresh(root)).toBe(false);
  });

  it('is stale without a record', async () => {
    await writeFile(join(root, MANIFEST), '{');
    expect(bundleIsFresh(root)).toBe(false);
    await rm(join(root, MANIFEST));
    expect(bundleIsFresh(root)).toBe(false);
  });
});
