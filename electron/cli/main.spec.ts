// The `cohabit` command as a user types it: output, JSON shapes, exit codes and error lines.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { InventorySchema } from '../../shared/model/inventory';
import { HostSnapshotSchema } from '../host/snapshot-format';
import { runCli } from './main';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    isTty: false,
  });
  return { code, out, err };
}

describe('cohabit inventory', () => {
  it('prints the demo machine: pools with a usage bar, groups, GPUs and the keyboard controller', async () => {
    const { code, out } = await cli('inventory', '--demo');
    expect(code).toBe(0);
    expect(out).toMatch(/zroot {2}\[#+\.+\] 31%/);
    expect(out).toMatch(/Group 13\n {4}0000:01:00\.0 VGA compatible controller \[0300\]: NVIDIA/);
    expect(out).toMatch(/0000:00:02\.0 .*: drives the display/);
    expect(out).toMatch(/0000:00:14\.0 .*keyboard and mouse attached/);
  });

  it('prints JSON that the Inventory schema accepts', async () => {
    const { code, out } = await cli('inventory', '--demo', '--json');
    expect(code).toBe(0);
    expect(v.safeParse(InventorySchema, JSON.parse(out)).success).toBe(true);
  });

  it('refuses --demo together with --host-snapshot, with exit code 2', async () => {
    const { code, err } = await cli('inventory', '--demo', '--host-snapshot', 'x.json');
    expect(code).toBe(2);
    expect(err).toMatch(/cannot be used with/);
  });

  it('names the file when a snapshot cannot be read, without a stack trace', async () => {
    const { code, err } = await cli('inventory', '--host-snapshot', '/nonexistent/host.json');
    expect(code).toBe(1);
    expect(err).toMatch(/^cohabit: cannot read snapshot \/nonexistent\/host\.json/);
    expect(err).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('cohabit analyze', () => {
  it('analyses a pasted listing into the documented JSON shape', async () => {
    const { code, out } = await cli(
      'analyze',
      'test/fixtures/iommu/thinkpad-p53-quadro-rtx4000.txt',
      '--json',
    );
    expect(code).toBe(0);
    const json = JSON.parse(out) as {
      groups: number;
      devices: number;
      gpus: Record<string, unknown>[];
    };
    expect(json.groups).toBeGreaterThan(0);
    expect(json.gpus.find((g) => g.address === '0000:01:00.0')).toMatchObject({
      group: 2,
      passTogether: ['0000:01:00.0', '0000:01:00.1', '0000:01:00.2', '0000:01:00.3'],
      foreign: [],
      clean: true,
      vfioIds: ['10de:1eb6', '10de:10f8', '10de:1ad8', '10de:1ad9'],
      bindByAddress: false,
    });
  });

  it('says which checks a listing cannot make', async () => {
    const { out } = await cli('analyze', 'test/fixtures/iommu/thinkpad-p53-quadro-rtx4000.txt');
    expect(out).toMatch(/Not checked/);
    expect(out).toMatch(/boot_vga/);
  });

  it('rejects a file that is not a listing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohabit-cli-'));
    await writeFile(join(dir, 'x.txt'), 'hello\nworld\n');
    const { code, err } = await cli('analyze', join(dir, 'x.txt'));
    expect(code).toBe(1);
    expect(err).toMatch(/does not look like an IOMMU group listing/);
  });
});

describe('cohabit snapshot', () => {
  it('records this machine into a snapshot that replays to the same inventory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohabit-cli-'));
    const file = join(dir, 'host.json');
    const recorded = await cli('snapshot', '--out', file);
    expect(recorded.code).toBe(0);
    expect(v.safeParse(HostSnapshotSchema, JSON.parse(await readFile(file, 'utf8'))).success).toBe(
      true,
    );
    const replayed = await cli('inventory', '--host-snapshot', file, '--json');
    expect(replayed.code).toBe(0);
    const inv = v.parse(InventorySchema, JSON.parse(replayed.out));
    expect(inv.diagnostics.filter((d) => d.code.endsWith('.not-recorded'))).toEqual([]);
  }, 60_000);
});
