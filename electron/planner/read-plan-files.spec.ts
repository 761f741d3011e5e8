// Idempotence on the demo machine: realise the seed plan by hand on a copy of the demo (the new
// datasets in `zfs list`, the files written), read it again, and re-plan: nothing left to do.
// Also checks that the plan files are read through the Host, absent files as null.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../shared/model/inventory';
import type { Plan } from '../../shared/model/plan';
import { seedLayout } from '../../shared/planner/examples';
import { plan } from '../../shared/planner/plan';
import { buildDemoMachine } from '../../test/machines/demo-machine';
import type { VirtualHost } from '../host/virtual-host';
import { ZFS_LIST_ARGV } from '../inventory/commands';
import { readInventory } from '../inventory/read-inventory';
import { readPlanFiles } from './read-plan-files';

const ID = '0123456789abcdef';

async function planOn(host: VirtualHost): Promise<{ inventory: Inventory; plan: Plan }> {
  const inventory = await readInventory(host);
  const layout = seedLayout(inventory);
  const read = await readPlanFiles(host, inventory, layout);
  return {
    inventory,
    plan: await plan(inventory, layout, { id: ID, now: '2026-11-28T00:00:00Z', ...read }),
  };
}

/** `zfs list -Hp` lines as OpenZFS prints them for what the plan creates (columns of ZFS_LIST_ARGV). */
function zfsLines(which: {
  system: boolean;
  esp: boolean;
  volume: boolean;
  systemStamped: boolean;
}): string {
  const props = (role: string, system: string) => `on\t${role}\t${system}\t${ID}`;
  const lines: string[] = [];
  if (which.system)
    lines.push(
      `zroot/new-system\tfilesystem\t4294967296\t600000000000\t4294967296\tlegacy\tno\ton\tlz4\toff\t-\t-\t-\t0\t-\t1795000000\t${props('system', which.systemStamped ? 'new-system' : '-')}`,
    );
  if (which.esp)
    lines.push(
      `zroot/new-system/fake-efi\tvolume\t56623104\t600056623104\t1048576\t-\t-\t-\tlz4\toff\t-\t52428800\t4096\t56623104\t-\t1795000001\t${props('system-esp', 'new-system')}`,
    );
  if (which.volume)
    lines.push(
      `zroot/vm/macos\tvolume\t139594350592\t600000000000\t57344\t-\t-\t-\tlz4\toff\t-\t137438953472\t16384\t139594350592\t-\t1795000002\t${props('vm-volume', 'macos-disk')}`,
    );
  return lines.join('\n');
}

async function addDatasets(host: VirtualHost, lines: string): Promise<void> {
  const before = await host.run(ZFS_LIST_ARGV);
  host.command(ZFS_LIST_ARGV, {
    stdout: `${before.stdout.replace(/\n$/, '')}\n${lines}\n`,
    stderr: '',
    exitCode: 0,
  });
}

function fileOf(p: Plan, path: string): string {
  for (const s of p.steps)
    if (s.preview.kind === 'file' && s.preview.path === path) return s.preview.content;
  throw new Error(`no ${path} in the plan`);
}

describe('readPlanFiles', () => {
  it('reads configuration.nix through the host and gives absent files and directories as null/false', async () => {
    const host = buildDemoMachine();
    const inventory = await readInventory(host);
    const read = await readPlanFiles(host, inventory, seedLayout(inventory));
    expect(read.files['/etc/nixos/configuration.nix']).toContain(
      'imports = [ ./hardware-configuration.nix ];',
    );
    expect(read.files['/etc/nixos/cohabit.nix']).toBeNull();
    expect(read.files['/var/lib/cohabit/vms/macos.xml']).toBeNull();
    expect(read.dirs['/mnt/cohabit']).toBe(false);
    expect(read.notRecorded).toEqual([]);
  });
});

describe('idempotence on the demo machine', () => {
  let first: Plan;
  beforeAll(async () => {
    first = (await planOn(buildDemoMachine())).plan;
  });

  it('plans the whole seed layout on the untouched demo', () => {
    expect(first.steps.length).toBeGreaterThan(20);
  });

  it('plans nothing once the seed plan is realised', async () => {
    const host = buildDemoMachine();
    await addDatasets(
      host,
      zfsLines({ system: true, esp: true, volume: true, systemStamped: true }),
    );
    for (const path of [
      '/etc/nixos/cohabit.nix',
      '/etc/nixos/configuration.nix',
      '/var/lib/cohabit/vms/macos.xml',
    ])
      host.file(path, fileOf(first, path));
    host.mkdirp('/mnt/cohabit/new-system');
    const { plan: again } = await planOn(host);
    expect(again.steps).toEqual([]);
    expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('plans only what is missing when the layout is partly realised', async () => {
    const host = buildDemoMachine();
    // The volume exists and the main module is written, but the system's install never finished.
    await addDatasets(
      host,
      zfsLines({ system: true, esp: true, volume: true, systemStamped: false }),
    );
    host.file('/etc/nixos/cohabit.nix', fileOf(first, '/etc/nixos/cohabit.nix'));
    host.mkdirp('/mnt/cohabit');
    const { plan: again } = await planOn(host);
    const verbs = again.steps.map((s) => s.call.verb);
    expect(verbs).not.toContain('zfs.createDataset');
    expect(verbs).not.toContain('zfs.createVolume');
    expect(verbs).toContain('nixos.install');
    const files = again.steps.flatMap((s) => (s.preview.kind === 'file' ? [s.preview.path] : []));
    expect(files).toEqual([
      '/mnt/cohabit/new-system/etc/nixos/configuration.nix',
      '/mnt/cohabit/new-system/etc/nixos/cohabit.nix',
      '/etc/nixos/configuration.nix',
      '/var/lib/cohabit/vms/macos.xml',
    ]);
    expect(again.steps.find((s) => s.call.verb === 'fs.mkdir')?.call.args).toEqual({
      path: '/mnt/cohabit/new-system',
      mode: 0o755,
    });
  });

  describe('after an install that did not finish (dataset kept, never stamped)', () => {
    const ROOT = '/mnt/cohabit/new-system';
    async function partial(opts: { mounted: boolean; espMounted: boolean; etcNixos: boolean }) {
      const host = buildDemoMachine();
      await addDatasets(
        host,
        zfsLines({ system: true, esp: true, volume: true, systemStamped: false }),
      );
      host.mkdirp(ROOT);
      if (opts.mounted) {
        const mounts = new TextDecoder().decode(await host.readFile('/proc/mounts'));
        const extra = [`zroot/new-system ${ROOT} zfs rw,relatime,xattr,posixacl 0 0`];
        if (opts.espMounted) extra.push(`/dev/zd16p1 ${ROOT}/efi vfat rw,relatime,fmask=0022 0 0`);
        host.file('/proc/mounts', `${mounts.replace(/\n$/, '')}\n${extra.join('\n')}\n`);
        // What the dataset holds is visible only through the mount.
        host.mkdirp(`${ROOT}/efi`);
        if (opts.etcNixos) {
          host.mkdirp(`${ROOT}/etc/nixos`);
          host.file(
            `${ROOT}/etc/nixos/configuration.nix`,
            fileOf(first, `${ROOT}/etc/nixos/configuration.nix`),
          );
          host.file(`${ROOT}/etc/nixos/cohabit.nix`, '# an older cohabit.nix\n');
        }
      }
      return (await planOn(host)).plan;
    }
    const mkdirs = (p: Plan) =>
      p.steps.flatMap((s) =>
        s.call.verb === 'fs.mkdir' && s.call.args.path.startsWith(ROOT) ? [s.call.args.path] : [],
      );
    const mounts = (p: Plan) =>
      p.steps.flatMap((s) => (s.call.verb === 'fs.mount' ? [s.call.args.target] : []));

    it('mounted, with etc/nixos and the ESP mounted: no mkdir or mount for what is there', async () => {
      const p = await partial({ mounted: true, espMounted: true, etcNixos: true });
      expect(p.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(mkdirs(p)).toEqual([]);
      expect(mounts(p)).toEqual([]);
      // configuration.nix is already what the plan writes; cohabit.nix is replaced, as a change.
      const writes = p.steps.filter(
        (s) => s.call.verb === 'file.write' && s.call.args.path.startsWith(ROOT),
      );
      expect(writes.map((s) => [s.preview.kind === 'file' && s.preview.path, s.risk])).toEqual([
        [`${ROOT}/etc/nixos/cohabit.nix`, 'modifies'],
      ]);
      const verbs = p.steps.map((s) => s.call.verb);
      expect(verbs).toContain('nixos.install');
      expect(verbs.filter((v) => v === 'fs.unmount')).toHaveLength(2);
    });

    it('mounted without etc/nixos and without the ESP: makes only those', async () => {
      const p = await partial({ mounted: true, espMounted: false, etcNixos: false });
      expect(mkdirs(p)).toEqual([`${ROOT}/etc`, `${ROOT}/etc/nixos`]);
      expect(mounts(p)).toEqual([`${ROOT}/efi`]);
    });

    it('not mounted: mounts it, plans from an empty root and says it could not look inside', async () => {
      const p = await partial({ mounted: false, espMounted: false, etcNixos: false });
      expect(mkdirs(p)).toEqual([`${ROOT}/efi`, `${ROOT}/etc`, `${ROOT}/etc/nixos`]);
      expect(mounts(p)).toEqual([ROOT, `${ROOT}/efi`]);
      expect(p.diagnostics.map((d) => d.code)).toContain('system.unfinished-unmounted');
    });
  });
});
