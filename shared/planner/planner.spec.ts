// The planner on the demo machine: validation codes (one fact changed at a time), the seed plan's
// steps and argv, every emitted Nix file through the real nix-instantiate (parse, then evaluate
// against a stub), every GRUB entry through grub-script-check, and hostile layouts refused.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoHost } from '../../electron/host/select-host';
import { readInventory } from '../../electron/inventory/read-inventory';
import { buildDemoMachine, DEMO_POOL_GUID } from '../../test/machines/demo-machine';
import type { Inventory } from '../model/inventory';
import type { Layout } from '../model/layout';
import type { Plan } from '../model/plan';
import { seedLayout } from './examples';
import { plan, type PlanContext } from './plan';
import { sha256Hex } from '../ops/plan-identity';
import { parseLayout, validate } from './validate';

const dir = mkdtempSync(join(tmpdir(), 'cohabit-planner-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function run(command: string, args: readonly string[], text: string): Promise<string> {
  const file = join(dir, `case-${counter++}.txt`);
  writeFileSync(file, text);
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args, file],
      { env: { ...process.env, HOME: dir } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} failed: ${stderr}\n--- input ---\n${text}`));
        else resolve(stdout);
      },
    );
  });
}

// `--store dummy://` keeps nix-instantiate off the daemon and the store (see shared/emit/nix.spec.ts).
const parseNix = (text: string) => run('nix-instantiate', ['--store', 'dummy://', '--parse'], text);

/** The module applied to a stub of what NixOS passes it, evaluated to JSON. */
async function evalModule(text: string): Promise<Record<string, unknown>> {
  const moduleFile = join(dir, `module-${counter++}.nix`);
  writeFileSync(moduleFile, text);
  const caller = `(import ${moduleFile}) {
    config = { boot.initrd.systemd.enable = false; };
    lib = {
      mkForce = content: { _type = "override"; priority = 50; inherit content; };
      mkDefault = content: { _type = "override"; priority = 1000; inherit content; };
      mkIf = condition: content: { _type = "if"; inherit condition content; };
    };
    pkgs = { };
  }`;
  return JSON.parse(
    await run('nix-instantiate', ['--store', 'dummy://', '--eval', '--strict', '--json'], caller),
  ) as Record<string, unknown>;
}

function get(value: unknown, ...path: string[]): unknown {
  let at = value;
  for (const key of path) at = (at as Record<string, unknown> | undefined)?.[key];
  return at;
}

let demo: Inventory;
let demoConfig: string;
beforeAll(async () => {
  demo = await readInventory(await loadDemoHost('workstation-2511'));
  demoConfig = new TextDecoder().decode(
    await buildDemoMachine().readFile('/etc/nixos/configuration.nix'),
  );
});

const context = (files: Record<string, string | null> = {}): PlanContext => ({
  id: '0123456789abcdef',
  now: '2026-11-28T00:00:00.000Z',
  files: { '/etc/nixos/configuration.nix': demoConfig, '/etc/nixos/cohabit.nix': null, ...files },
  dirs: { '/mnt': true, '/mnt/cohabit': false, '/var/lib/cohabit': false },
});

/** A copy of the demo inventory with one fact changed. */
function changed(mutate: (inv: Inventory) => void): Inventory {
  const inv = structuredClone(demo);
  mutate(inv);
  return inv;
}
function layoutWith(mutate: (l: Layout) => void): Layout {
  const l = seedLayout(demo);
  mutate(l);
  return l;
}
const codes = (inv: Inventory, l: Layout) =>
  validate(inv, l).map((d) => `${d.severity}:${d.code}@${d.subject ?? ''}`);
const errors = (inv: Inventory, l: Layout) =>
  validate(inv, l).filter((d) => d.severity === 'error');

describe('seed layout on the demo machine', () => {
  it('validates without errors: only the LUKS note and the missing OpenCore image', () => {
    expect(codes(demo, seedLayout(demo))).toEqual([
      'info:luks.carried@systems[0].copyFromMain.luks',
      'warning:vm.opencore-missing@vms[0].openCoreImage',
    ]);
  });

  it('is the seed recipe: zroot/new-system labelled New System, a macOS zvol with the RTX 2080 and the ASMedia controller', () => {
    const l = seedLayout(demo);
    expect(l.systems.map((s) => [s.dataset, s.label, s.hostId.policy])).toEqual([
      ['zroot/new-system', 'New System', 'reuse'],
    ]);
    expect(l.vms[0]?.devices).toEqual(['0000:01:00.0', '0000:03:00.0']);
    expect(parseLayout(JSON.parse(JSON.stringify(l))).ok).toBe(true);
  });
});

describe('validate', () => {
  it('refuses a layout for another pool', () => {
    expect(
      codes(
        demo,
        layoutWith((l) => (l.pool = 'tank')),
      ),
    ).toEqual(['error:pool.missing@pool']);
  });

  it('refuses a dataset outside the pool, a duplicate, and an existing dataset Cohabit did not make', () => {
    expect(
      codes(
        demo,
        layoutWith((l) => l.systems[0] && (l.systems[0].dataset = 'tank/new-system')),
      ),
    ).toContain('error:dataset.outside-pool@systems[0].dataset');
    expect(
      codes(
        demo,
        layoutWith(
          (l) => l.volumes[0] && l.systems[0] && (l.volumes[0].dataset = l.systems[0].dataset),
        ),
      ),
    ).toContain('error:dataset.duplicate@volumes[0].dataset');
    expect(
      codes(
        demo,
        layoutWith((l) => l.systems[0] && (l.systems[0].dataset = 'zroot/home')),
      ),
    ).toContain('error:dataset.exists@systems[0].dataset');
    expect(
      codes(
        demo,
        layoutWith((l) => l.volumes[0] && (l.volumes[0].dataset = 'zroot/vms/macos')),
      ),
    ).toContain('error:dataset.parent-missing@volumes[0].dataset');
  });

  it('calls a dataset with cohabit:managed=on and the same role realised, not a collision', () => {
    const inv = changed((i) => {
      const home = i.zfs.datasets.find((d) => d.name === 'zroot/vm/win10');
      if (home) home.cohabit = { 'cohabit:managed': 'on', 'cohabit:role': 'vm-volume' };
    });
    const l = layoutWith((x) => x.volumes[0] && (x.volumes[0].dataset = 'zroot/vm/win10'));
    expect(errors(inv, l)).toEqual([]);
    const wrongRole = changed((i) => {
      const w = i.zfs.datasets.find((d) => d.name === 'zroot/vm/win10');
      if (w) w.cohabit = { 'cohabit:managed': 'on', 'cohabit:role': 'system' };
    });
    expect(codes(wrongRole, l)).toContain('error:dataset.exists@volumes[0].dataset');
  });

  it('refuses duplicate menu labels, ids and VM volume references', () => {
    const l = layoutWith((x) => {
      const s = x.systems[0];
      if (s) x.systems.push({ ...s, id: 'other', dataset: 'zroot/other', label: 'new system ' });
      if (x.vms[0]) x.vms[0].volume = 'nope';
    });
    expect(codes(demo, l)).toEqual(
      expect.arrayContaining([
        'error:system.label-duplicate@systems[1].label',
        'error:vm.volume-missing@vms[0].volume',
      ]),
    );
    const ids = layoutWith((x) => x.volumes[0] && (x.volumes[0].id = 'new-system'));
    expect(codes(demo, ids)).toContain('error:layout.id-duplicate@volumes[0].id');
  });

  it('refuses a zvol bigger than the pool and reserved zvols that do not fit', () => {
    const big = layoutWith((l) => l.volumes[0] && (l.volumes[0].sizeBytes = 2 * 10 ** 12));
    expect(codes(demo, big)).toContain('error:space.volume-larger-than-pool@volumes[0].sizeBytes');
    // 600 GiB reserved fits in the pool (923 GiB) but not in what is available (579 GiB).
    const full = layoutWith((l) => l.volumes[0] && (l.volumes[0].sizeBytes = 600 * 2 ** 30));
    expect(codes(demo, full)).toContain('error:space.pool-full@volumes');
    // The same volume sparse is accepted.
    const sparse = layoutWith((l) => {
      if (l.volumes[0])
        Object.assign(l.volumes[0], { sizeBytes: 600 * 2 ** 30, provisioning: 'sparse' });
    });
    expect(errors(demo, sparse)).toEqual([]);
  });

  it('warns when snapshots of a reserved zvol would not fit, not when they would', () => {
    const tight = layoutWith((l) => l.volumes[0] && (l.volumes[0].sizeBytes = 400 * 2 ** 30));
    expect(codes(demo, tight)).toContain('warning:space.snapshots-wont-fit@volumes[0].snapshots');
    expect(codes(demo, seedLayout(demo))).not.toContain(
      'warning:space.snapshots-wont-fit@volumes[0].snapshots',
    );
  });

  it('refuses new datasets and zvols on a pool whose free space is unknown (FAULTED), naming it', async () => {
    // What `zpool list -Hp` gives for a pool it cannot open: `-` sizes; `zfs list` then shows none
    // of its datasets.
    const faulted = changed((i) => {
      const p = i.zfs.pools[0];
      if (p)
        Object.assign(p, {
          health: 'FAULTED',
          sizeBytes: null,
          allocatedBytes: null,
          freeBytes: null,
          capacityPercent: null,
        });
      i.zfs.datasets = [];
    });
    const found = errors(faulted, seedLayout(demo));
    const unknown = found.find((d) => d.code === 'space.unknown');
    expect(unknown).toMatchObject({ severity: 'error', subject: 'pool' });
    expect(unknown?.message).toBe(
      'The free space of zroot is unknown (the pool is FAULTED; zpool could not measure it), so nothing new can be put on it.',
    );
    expect(unknown?.fix).toMatch(/zpool status zroot/);
    // No size error is made up from the missing numbers.
    expect(found.map((d) => d.code)).not.toContain('space.volume-larger-than-pool');
    expect(found.map((d) => d.code)).not.toContain('space.pool-full');
    expect((await plan(faulted, seedLayout(demo), context())).steps).toEqual([]);
  });

  it('still checks space from the root dataset when only the pool-wide figures are missing', () => {
    const partial = changed((i) => {
      const p = i.zfs.pools[0];
      if (p) Object.assign(p, { sizeBytes: null, allocatedBytes: null, freeBytes: null });
    });
    expect(codes(partial, seedLayout(demo))).not.toContain('error:space.unknown@pool');
    const full = layoutWith((l) => l.volumes[0] && (l.volumes[0].sizeBytes = 600 * 2 ** 30));
    expect(codes(partial, full)).toContain('error:space.pool-full@volumes');
  });

  it('refuses the chain entry when GRUB cannot read the pool or the new /boot, naming the alternatives', () => {
    const encrypted = changed((i) => {
      const p = i.zfs.pools[0];
      if (p) p.features.encryption = 'active';
      const root = i.zfs.datasets.find((d) => d.name === 'zroot');
      if (root) root.encryption = 'aes-256-gcm';
    });
    const found = errors(encrypted, seedLayout(demo));
    expect(found.map((d) => d.code)).toEqual(['grub.pool-features', 'grub.boot-encrypted']);
    for (const d of found) expect(d.fix).toMatch(/compatibility=grub2.*copyKernels.*ZFSBootMenu/s);
    const zstd = changed((i) => {
      const root = i.zfs.datasets.find((d) => d.name === 'zroot');
      if (root) root.compression = 'zstd-3';
    });
    expect(codes(zstd, seedLayout(demo))).toContain('error:grub.boot-zstd@systems[0].dataset');
  });

  it('explains systemd-boot and refuses the chain entry', () => {
    const sd = changed((i) => {
      i.boot.bootloader = 'systemd-boot';
      if (i.os.nixos) i.os.nixos.systemdBoot = true;
    });
    const [d] = errors(sd, seedLayout(demo));
    expect(d?.code).toBe('boot.systemd-boot');
    expect(d?.fix).toMatch(/ZFSBootMenu/);
  });

  it('warns about a new hostId and says why forceImportRoot is set', () => {
    const l = layoutWith(
      (x) => x.systems[0] && (x.systems[0].hostId = { policy: 'new', value: '75c7b830' }),
    );
    const d = validate(demo, l).find((x) => x.code === 'hostid.new');
    expect(d?.severity).toBe('warning');
    expect(d?.message).toMatch(/forceImportRoot.*26\.11/);
  });

  it('needs LUKS carried over when the pool sits on LUKS', () => {
    const l = layoutWith((x) => x.systems[0] && (x.systems[0].copyFromMain.luks = false));
    expect(codes(demo, l)).toContain('error:luks.required@systems[0].copyFromMain.luks');
  });

  it('turns passthrough verdicts into diagnostics: the display GPU, a device twice, a refused group', () => {
    const igpu = layoutWith((x) => x.vms[0] && (x.vms[0].devices = ['0000:00:02.0']));
    expect(codes(demo, igpu)).toContain('error:passthrough.boot-vga@vms[0].devices');
    const headless = layoutWith((x) => {
      x.host.headless = true;
      if (x.vms[0]) x.vms[0].devices = ['0000:00:02.0'];
    });
    expect(codes(demo, headless)).not.toContain('error:passthrough.boot-vga@vms[0].devices');
    const twice = layoutWith((x) => {
      const vm = x.vms[0];
      const vol = x.volumes[0];
      if (vm && vol) {
        x.volumes.push({ ...vol, id: 'disk2', dataset: 'zroot/vm/other' });
        x.vms.push({
          ...vm,
          id: 'other',
          name: 'other',
          volume: 'disk2',
          devices: ['0000:03:00.0'],
        });
      }
    });
    expect(codes(demo, twice)).toContain('error:passthrough.device-twice@vms[1].devices[0]');
    // The RX 560 shares its group with the SATA controller of /srv/data (see docs/decisions.md).
    const rx = layoutWith((x) => x.vms[0] && (x.vms[0].devices = ['0000:04:00.0']));
    expect(errors(demo, rx).map((d) => d.code)).toContain('passthrough.host-disk-controller');
  });
});

describe('parseLayout refuses hostile input, naming the field', () => {
  const seedJson = () =>
    JSON.parse(JSON.stringify(seedLayout(demo))) as Record<string, unknown> & {
      systems: Record<string, unknown>[];
    };
  const cases: [string, (j: ReturnType<typeof seedJson>) => void, string][] = [
    [
      'a command substitution',
      (j) => j.systems[0] && (j.systems[0].dataset = 'zroot/$(reboot)'),
      'systems[0].dataset',
    ],
    [
      'a path that climbs',
      (j) => j.systems[0] && (j.systems[0].dataset = '../etc'),
      'systems[0].dataset',
    ],
    ['a space', (j) => j.systems[0] && (j.systems[0].dataset = 'zroot/a b'), 'systems[0].dataset'],
    [
      'a 300-character name',
      (j) => j.systems[0] && (j.systems[0].dataset = `zroot/${'a'.repeat(294)}`),
      'systems[0].dataset',
    ],
    [
      'a Cyrillic look-alike',
      (j) => j.systems[0] && (j.systems[0].dataset = 'zroot/new-systеm'),
      'systems[0].dataset',
    ],
    [
      'a newline in the label',
      (j) => j.systems[0] && (j.systems[0].label = 'New\nSystem'),
      'systems[0].label',
    ],
    ['an unknown version', (j) => (j.format = 'cohabit-layout/2'), 'format'],
    ['an unknown key', (j) => (j.extra = true), 'extra'],
  ];
  it.each(cases)('%s', (_, mutate, field) => {
    const json = seedJson();
    mutate(json);
    const result = parseLayout(json);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.diagnostics.map((d) => d.subject)).toContain(field);
  });

  it('plans nothing from a layout with an error', async () => {
    const p = await plan(
      demo,
      layoutWith((l) => (l.pool = 'tank')),
      context(),
    );
    expect(p.steps).toEqual([]);
    expect(p.diagnostics.map((d) => d.code)).toEqual(['pool.missing']);
  });

  it('keeps quotes and braces in a label inside GRUB quotes', async () => {
    const l = layoutWith(
      (x) => x.systems[0] && (x.systems[0].label = 'It\'s "New" } ${HOME} $drive1 System'),
    );
    const p = await plan(demo, l, context());
    const module = fileContent(p, '/etc/nixos/cohabit.nix');
    const entries = get(await evalModule(module), 'boot', 'loader', 'grub', 'extraEntries');
    expect(typeof entries).toBe('string');
    await run('grub-script-check', [], String(entries));
    expect(String(entries)).toContain(`menuentry 'It'\\''s "New" } \${HOME} $drive1 System'`);
  });
});

function fileContent(p: Plan, path: string): string {
  for (const s of p.steps)
    if (s.preview.kind === 'file' && s.preview.path === path) return s.preview.content;
  throw new Error(`the plan writes no ${path}`);
}

describe('the seed plan on the demo machine', () => {
  let p: Plan;
  beforeAll(async () => {
    p = await plan(demo, seedLayout(demo), context());
  });

  it("has the recipe's steps in order, with exact argv", () => {
    const lines = p.steps.map((s) =>
      s.preview.kind === 'command' ? s.preview.shell : `${s.call.verb} ${s.preview.path}`,
    );
    expect(lines).toEqual([
      'zfs create -o mountpoint=legacy -o cohabit:managed=on -o cohabit:role=system -o cohabit:journal=0123456789abcdef zroot/new-system',
      'zfs create -V 52428800 -o volblocksize=4096 -o compression=lz4 -o cohabit:managed=on -o cohabit:role=system-esp -o cohabit:system=new-system -o cohabit:journal=0123456789abcdef zroot/new-system/fake-efi',
      'udevadm settle --timeout=30 --exit-if-exists=/dev/zvol/zroot/new-system/fake-efi',
      'sgdisk --new=1:0:0 --typecode=1:ef00 --change-name=1:fake-efi /dev/zvol/zroot/new-system/fake-efi',
      'udevadm settle --timeout=30 --exit-if-exists=/dev/zvol/zroot/new-system/fake-efi-part1',
      'mkfs.fat -n FAKEEFI /dev/zvol/zroot/new-system/fake-efi-part1',
      'mkdir -m 755 /mnt/cohabit',
      'mkdir -m 755 /mnt/cohabit/new-system',
      'mount -t zfs -o nosuid,nodev zroot/new-system /mnt/cohabit/new-system',
      'mkdir -m 755 /mnt/cohabit/new-system/efi',
      'mount -t vfat -o nosuid,nodev /dev/zvol/zroot/new-system/fake-efi-part1 /mnt/cohabit/new-system/efi',
      'mkdir -m 755 /mnt/cohabit/new-system/etc',
      'mkdir -m 755 /mnt/cohabit/new-system/etc/nixos',
      'file.write /mnt/cohabit/new-system/etc/nixos/configuration.nix',
      'file.write /mnt/cohabit/new-system/etc/nixos/cohabit.nix',
      'nixos-generate-config --root /mnt/cohabit/new-system',
      'install -D -m 400 -- /etc/secrets/initrd/cryptroot.key /mnt/cohabit/new-system/etc/secrets/initrd/cryptroot.key',
      'nixos-install --root /mnt/cohabit/new-system --no-root-passwd',
      'zfs set cohabit:system=new-system zroot/new-system',
      'umount /mnt/cohabit/new-system/efi',
      'umount /mnt/cohabit/new-system',
      'zfs create -V 137438953472 -o volblocksize=16384 -o compression=lz4 -o cohabit:managed=on -o cohabit:role=vm-volume -o cohabit:system=macos-disk -o cohabit:journal=0123456789abcdef zroot/vm/macos',
      'file.write /etc/nixos/cohabit.nix',
      'file.write /etc/nixos/configuration.nix',
      'nixos-rebuild boot',
      'mkdir -m 755 /var/lib/cohabit',
      'mkdir -m 755 /var/lib/cohabit/vms',
      'file.write /var/lib/cohabit/vms/macos.xml',
      'virsh --connect qemu:///system define /var/lib/cohabit/vms/macos.xml',
    ]);
    expect(p.steps.map((s) => s.id).slice(0, 3)).toEqual(['s01', 's02', 's03']);
  });

  it("adds exactly one import line to the user's configuration.nix, with a diff and the old file's hash", async () => {
    const step = p.steps.find(
      (s) => s.preview.kind === 'file' && s.preview.path === '/etc/nixos/configuration.nix',
    );
    expect(step?.risk).toBe('modifies');
    if (step?.preview.kind !== 'file' || step.call.verb !== 'file.write')
      throw new Error('no file step');
    const args = step.call.args as { previousSha256: string | null };
    expect(step.preview.diff).toContain(
      '-  imports = [ ./hardware-configuration.nix ];\n+  imports = [ ./hardware-configuration.nix ./cohabit.nix ];',
    );
    expect(args.previousSha256).toBe(await sha256Hex(demoConfig));
    expect(step.undo.text).toMatch(/saved before/);
  });

  it('gives every command step its undo as argv and as a shell line', () => {
    const create = p.steps[0];
    expect(create?.undo.argv).toEqual([['zfs', 'destroy', '-r', 'zroot/new-system']]);
    expect(create?.undo.shell).toEqual(['zfs destroy -r zroot/new-system']);
  });

  it('writes Nix that parses, evaluates, and holds no removed option', async () => {
    const nixFiles = p.steps.flatMap((s) =>
      s.preview.kind === 'file' && s.preview.path.endsWith('.nix') ? [s.preview.content] : [],
    );
    expect(nixFiles).toHaveLength(4);
    for (const text of nixFiles) {
      await parseNix(text);
      expect(text).not.toMatch(/extraInitrd|qemu\.ovmf|vfio_virqfd/);
    }
    const xml = fileContent(p, '/var/lib/cohabit/vms/macos.xml');
    expect(xml).not.toMatch(/extraInitrd|qemu\.ovmf|vfio_virqfd/);
  });

  it('gives the new system GRUB on the fake ESP, the main LUKS devices through initrd secrets, and the zvol path for /efi', async () => {
    const config = await evalModule(
      fileContent(p, '/mnt/cohabit/new-system/etc/nixos/cohabit.nix'),
    );
    expect(get(config, 'boot', 'loader', 'grub')).toEqual({
      enable: true,
      device: 'nodev',
      efiSupport: true,
      efiInstallAsRemovable: true,
      zfsSupport: true,
      enableCryptodisk: true,
    });
    expect(get(config, 'boot', 'loader', 'efi')).toEqual({
      efiSysMountPoint: '/efi',
      canTouchEfiVariables: false,
    });
    expect(get(config, 'boot', 'initrd', 'secrets')).toEqual({
      '/cryptroot.key': '/etc/secrets/initrd/cryptroot.key',
    });
    expect(Object.keys(get(config, 'boot', 'initrd', 'luks', 'devices') as object)).toEqual([
      'cryptroot1',
      'cryptroot2',
    ]);
    expect(get(config, 'fileSystems', '/efi')).toEqual({
      device: {
        _type: 'override',
        priority: 50,
        content: '/dev/zvol/zroot/new-system/fake-efi-part1',
      },
      fsType: 'vfat',
    });
    expect(get(config, 'networking', 'hostId')).toBe('8425e349');
    expect(get(config, 'users', 'users', 'alice', 'extraGroups')).toEqual(['wheel']);
    expect(get(config, 'system', 'stateVersion')).toBe('25.11');
    // Its imports are path literals, which evaluation would copy to a store: parse it instead.
    const own = await parseNix(
      fileContent(p, '/mnt/cohabit/new-system/etc/nixos/configuration.nix'),
    );
    // The parser resolves relative paths against the file's directory.
    expect(own).toMatch(
      /imports = \[ \(\/\S+\/hardware-configuration\.nix\) \(\/\S+\/cohabit\.nix\) \]/,
    );
  });

  it('gives the main system a GRUB entry that passes grub-script-check, VFIO for the GPU and controller, and sanoid', async () => {
    const config = await evalModule(fileContent(p, '/etc/nixos/cohabit.nix'));
    const entries = String(get(config, 'boot', 'loader', 'grub', 'extraEntries'));
    await run('grub-script-check', [], entries);
    // The pool is found by its GUID (zpool's decimal guid as 16 hex digits), not by its name.
    const uuid = BigInt(DEMO_POOL_GUID).toString(16).padStart(16, '0');
    expect(entries).toBe(
      `menuentry 'New System' --id 'cohabit-new-system' {\n  search --no-floppy --set=drive1 --fs-uuid '${uuid}'\n  configfile ($drive1)'/new-system/@/boot/grub/grub.cfg'\n}\n`,
    );
    expect(entries).not.toContain('--label');
    // The binding is in its own boot entry; the main configuration's intel_iommu=on and
    // iommu=pt are not written again.
    expect(get(config, 'boot', 'kernelParams')).toBeUndefined();
    expect(get(config, 'specialisation', 'vfio', 'configuration', 'boot', 'kernelParams')).toEqual([
      'vfio-pci.ids=10de:1e87,10de:10f8,10de:1ad8,10de:1ad9,1b21:2142',
    ]);
    expect(get(config, 'virtualisation', 'libvirtd', 'enable')).toBe(true);
    expect(get(config, 'services', 'sanoid', 'datasets', 'zroot/vm/macos')).toEqual({
      autosnap: true,
      autoprune: true,
      hourly: 0,
      daily: 7,
      monthly: 0,
    });
    // Explicit, as the main system has it, and below any value of the user's own.
    expect(get(config, 'boot', 'zfs', 'forceImportRoot')).toEqual({
      _type: 'override',
      priority: 1000,
      content: true,
    });
  });

  it('sets forceImportRoot on both systems for a new hostId', async () => {
    const l = layoutWith(
      (x) => x.systems[0] && (x.systems[0].hostId = { policy: 'new', value: '75c7b830' }),
    );
    const q = await plan(demo, l, context());
    const main = await evalModule(fileContent(q, '/etc/nixos/cohabit.nix'));
    const added = await evalModule(fileContent(q, '/mnt/cohabit/new-system/etc/nixos/cohabit.nix'));
    expect(get(main, 'boot', 'zfs', 'forceImportRoot')).toBe(true);
    expect(get(added, 'boot', 'zfs', 'forceImportRoot')).toBe(true);
    expect(get(added, 'networking', 'hostId')).toBe('75c7b830');
  });

  it('edits nothing of a flake user and hands over the module and the line instead', async () => {
    const flake = changed((i) => i.os.nixos && (i.os.nixos.flake = true));
    const q = await plan(flake, seedLayout(demo), context());
    expect(
      q.steps.some((s) => s.preview.kind === 'file' && s.preview.path.startsWith('/etc/nixos')),
    ).toBe(false);
    expect(q.steps.some((s) => s.call.verb === 'nixos.rebuild')).toBe(false);
    const d = q.diagnostics.find((x) => x.code === 'main.flake-module');
    expect(d?.fix).toContain('./cohabit.nix');
    expect(d?.fix).toContain('extraEntries');
  });

  it('plans libvirt without VFIO for a VM without devices, and only sanoid for volumes alone', async () => {
    const bare = await plan(
      demo,
      layoutWith((l) => l.vms[0] && (l.vms[0].devices = [])),
      context(),
    );
    const withoutDevices = await evalModule(fileContent(bare, '/etc/nixos/cohabit.nix'));
    expect(get(withoutDevices, 'virtualisation', 'libvirtd', 'enable')).toBe(true);
    expect(get(withoutDevices, 'boot', 'kernelParams')).toBeUndefined();
    const volumesOnly = await plan(
      demo,
      layoutWith((l) => {
        l.vms = [];
        l.systems = [];
      }),
      context(),
    );
    expect(volumesOnly.steps.map((s) => s.call.verb)).toEqual([
      'zfs.createVolume',
      'file.write',
      'file.write',
      'nixos.rebuild',
    ]);
    expect(
      Object.keys(await evalModule(fileContent(volumesOnly, '/etc/nixos/cohabit.nix'))),
    ).toEqual(['boot', 'services']);
  });

  it('plans nothing for an empty layout', async () => {
    const empty = await plan(
      demo,
      layoutWith((l) => {
        l.vms = [];
        l.volumes = [];
        l.systems = [];
      }),
      context(),
    );
    expect(empty.steps).toEqual([]);
  });

  it('refuses to edit a configuration.nix without one imports list, and tells the line to add', async () => {
    const q = await plan(
      demo,
      seedLayout(demo),
      context({ '/etc/nixos/configuration.nix': '{ ... }: { }\n' }),
    );
    expect(
      q.steps.some(
        (s) => s.preview.kind === 'file' && s.preview.path === '/etc/nixos/configuration.nix',
      ),
    ).toBe(false);
    expect(q.diagnostics.find((d) => d.code === 'main.import-manual')?.fix).toContain(
      './cohabit.nix',
    );
  });
});
