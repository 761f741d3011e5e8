// `cohabit plan` as a user types it: the seed example, the text and JSON plan of the demo, and bad
// layouts refused with the field named, exit 1 and nothing planned.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { PlanSchema } from '../../shared/model/plan';
import { cli } from '../../test/helper/run-cli';

let dir: string;
let seed: Record<string, unknown> & { systems: Record<string, unknown>[] };
async function layoutFile(name: string, content: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohabit-plan-cli-'));
  const { code, out } = await cli('plan', '--example', 'seed', '--demo');
  expect(code).toBe(0);
  seed = JSON.parse(out) as typeof seed;
});

describe('cohabit plan', () => {
  it('prints the seed layout for the demo machine', () => {
    expect(seed.pool).toBe('zroot');
    expect(seed.systems[0]).toMatchObject({ dataset: 'zroot/new-system', label: 'New System' });
  });

  it('prints numbered steps with risk badges, shell lines, diffs and undo', async () => {
    const { code, out, err } = await cli('plan', await layoutFile('seed.json', seed), '--demo');
    expect(code).toBe(0);
    expect(out).toMatch(/^ 1\. \[creates\] Create the dataset zroot\/new-system\n/m);
    expect(out).toContain('    $ nixos-install --root /mnt/cohabit/new-system --no-root-passwd\n');
    expect(out).toContain("    +      menuentry 'New System' --id 'cohabit-new-system' {");
    expect(out).toContain('      $ zfs destroy -r zroot/new-system\n');
    // The shipped demo snapshot holds the main system's configuration: the import line is planned.
    expect(out).toContain('+  imports = [ ./hardware-configuration.nix ./cohabit.nix ];');
    expect(err).not.toMatch(/does not hold/);
  });

  it('writes the module only with --module-only: no edit of configuration.nix, no rebuild, the line to add', async () => {
    const { code, out } = await cli(
      'plan',
      await layoutFile('seed-module-only.json', seed),
      '--demo',
      '--module-only',
    );
    expect(code).toBe(0);
    expect(out).toContain('new file /etc/nixos/cohabit.nix:');
    expect(out).not.toContain('change /etc/nixos/configuration.nix');
    expect(out).not.toContain('nixos-rebuild boot\n');
    expect(out).toContain('info (host) main.module-only: Write the module only');
    expect(out).toContain(
      '  - Before rebooting: add ./cohabit.nix to the imports of /etc/nixos/configuration.nix and run nixos-rebuild boot;',
    );
  });

  it('prints a plan the Plan schema accepts with --json', async () => {
    const { code, out } = await cli(
      'plan',
      await layoutFile('seed2.json', seed),
      '--demo',
      '--json',
    );
    expect(code).toBe(0);
    const result = v.safeParse(PlanSchema, JSON.parse(out));
    expect(result.success).toBe(true);
    if (result.success)
      expect(result.output.steps[0]?.call).toMatchObject({ verb: 'zfs.createDataset' });
  });

  it.each([
    ['not JSON', 'nope', /is not JSON/],
    [
      'an unknown version',
      () => ({ ...seed, format: 'cohabit-layout/2' }),
      /\(format\) layout\.invalid/,
    ],
    [
      'a hostile dataset name',
      () => ({ ...seed, systems: [{ ...seed.systems[0], dataset: 'zroot/$(reboot)' }] }),
      /\(systems\[0\]\.dataset\)/,
    ],
    ['another pool', () => ({ ...seed, pool: 'tank' }), /\(pool\) pool\.missing/],
  ])('refuses %s: exit 1, the field named, nothing planned', async (_, content, message) => {
    const body = typeof content === 'function' ? content() : content;
    const { code, out, err } = await cli('plan', await layoutFile('bad.json', body), '--demo');
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(message);
  });
});
