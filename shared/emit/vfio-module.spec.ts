// Checks the VFIO module against the real Nix (parse and evaluate) and the real sh (-n), on
// devices taken from real IOMMU listings in test/fixtures/iommu (see SOURCES.md there).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { iommuFixture } from '../../test/fixtures/iommu/iommu-fixtures';
import { parseIommuListing } from '../parse/iommu-listing';
import {
  emitVfioModule,
  VfioModuleError,
  type VfioDevice,
  type VfioModuleInput,
} from './vfio-module';

const dir = mkdtempSync(join(tmpdir(), 'cohabit-vfio-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;

function run(command: string, args: readonly string[], text: string): Promise<string> {
  const file = join(dir, `case-${fileCounter++}`);
  writeFileSync(file, text);
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args, file],
      { env: { ...process.env, HOME: dir } },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(`${command} ${args.join(' ')} failed: ${stderr}\n--- input ---\n${text}`),
          );
        else resolve(stdout);
      },
    );
  });
}

// `--store dummy://` keeps nix-instantiate off the daemon socket (see nix.spec.ts).
const parseNix = (text: string) => run('nix-instantiate', ['--store', 'dummy://', '--parse'], text);

/** The module applied to a stub of the arguments NixOS passes, evaluated to JSON. */
async function evalModule(moduleText: string, systemdInitrd = false): Promise<unknown> {
  const moduleFile = join(dir, `module-${fileCounter++}.nix`);
  writeFileSync(moduleFile, moduleText);
  const caller = `(import ${moduleFile}) {
    config = { boot.initrd.systemd.enable = ${systemdInitrd ? 'true' : 'false'}; };
    lib = {
      mkForce = content: { _type = "override"; priority = 50; inherit content; };
      mkIf = condition: content: { _type = "if"; inherit condition content; };
    };
    pkgs = { };
  }`;
  return JSON.parse(
    await run('nix-instantiate', ['--store', 'dummy://', '--eval', '--strict', '--json'], caller),
  ) as unknown;
}

/** Devices from a real listing, with the driver a stock kernel would bind (not in the listing). */
function fromListing(fixture: string, picks: Record<string, string | null>): VfioDevice[] {
  const listing = parseIommuListing(iommuFixture(fixture));
  return Object.entries(picks).map(([address, hostDriver]) => {
    const device = listing.devices.find((d) => d.address === address);
    if (device === undefined) throw new Error(`${address} is not in ${fixture}`);
    return {
      address,
      vendorId: device.vendorId,
      deviceId: device.deviceId,
      classCode: device.classCode,
      hostDriver,
    };
  });
}

// ThinkPad P53: Quadro RTX 4000 with VGA, HDMI audio, USB 3.1 and USB-C UCSI in one group.
const QUADRO = fromListing('thinkpad-p53-quadro-rtx4000.txt', {
  '0000:01:00.0': 'nvidia',
  '0000:01:00.1': 'snd_hda_intel',
  '0000:01:00.2': 'xhci_hcd',
  '0000:01:00.3': 'nvidia-gpu',
});
// X570: GTX 1080 Ti plus the Matisse USB controller 0e:00.3, whose ID 1022:149c the two chipset
// USB controllers (08:00.1, 08:00.3) that stay with the host share.
const X570_GPU = fromListing('amd-x570-gtx1080ti-gt710.txt', {
  '0000:0b:00.0': 'nouveau',
  '0000:0b:00.1': 'snd_hda_intel',
});
const X570_USB = fromListing('amd-x570-gtx1080ti-gt710.txt', { '0000:0e:00.3': 'xhci_hcd' });
// Two identical GTX 1060: pass the second one, the first stays with the host.
const SECOND_GTX1060 = fromListing('centos-two-gtx1060-one-group.txt', {
  '0000:02:00.0': null,
  '0000:02:00.1': null,
});
// Alder Lake with an RX 6700 XT (VGA and audio in two groups behind the Navi switch).
const RX6700XT = fromListing('intel-alderlake-rx6700xt-split.txt', {
  '0000:03:00.0': 'amdgpu',
  '0000:03:00.1': 'snd_hda_intel',
});

/** What the stub's lib.mkIf returns, as the real one does: the condition and the definition. */
interface Guarded<T> {
  _type: 'if';
  condition: boolean;
  content: T;
}
type Units = Record<string, Guarded<Record<string, unknown> & { script: string }> | undefined>;

const FORBIDDEN = ['vfio_virqfd', 'qemu.ovmf', 'ovmf', 'extraInitrd'];

function expectNoForbidden(text: string): void {
  for (const word of FORBIDDEN) expect(text).not.toContain(word);
}

describe('emitVfioModule by vendor:device ID', () => {
  it('gives an Intel host with the Quadro the exact options, each explained', async () => {
    const text = emitVfioModule({
      cpuVendor: 'intel',
      devices: QUADRO,
      bindByAddress: false,
      hugepages: { sizeKiB: 2048, count: 8192 },
      libvirt: true,
      swtpm: true,
      virtManager: true,
      users: ['alice', 'bob'],
    });
    await parseNix(text);
    expectNoForbidden(text);
    expect(await evalModule(text)).toEqual({
      boot: {
        kernelParams: [
          'intel_iommu=on',
          'iommu=pt',
          'vfio-pci.ids=10de:1eb6,10de:10f8,10de:1ad8,10de:1ad9',
        ],
        initrd: { kernelModules: ['vfio_pci', 'vfio', 'vfio_iommu_type1'] },
        extraModprobeConfig: [
          '# vfio-pci claims these vendor:device IDs as soon as it loads.',
          'options vfio-pci ids=10de:1eb6,10de:10f8,10de:1ad8,10de:1ad9',
          '# Load vfio-pci before nvidia, so that nvidia finds the passed device already taken.',
          'softdep nvidia pre: vfio-pci',
          '# Load vfio-pci before nouveau, so that nouveau finds the passed device already taken.',
          'softdep nouveau pre: vfio-pci',
          '# Load vfio-pci before snd_hda_intel, so that snd_hda_intel finds the passed device already taken.',
          'softdep snd_hda_intel pre: vfio-pci',
          '# Load vfio-pci before xhci_pci, so that xhci_pci finds the passed device already taken.',
          'softdep xhci_pci pre: vfio-pci',
          '# Load vfio-pci before i2c_nvidia_gpu, so that i2c_nvidia_gpu finds the passed device already taken.',
          'softdep i2c_nvidia_gpu pre: vfio-pci',
          '',
        ].join('\n'),
        kernel: { sysctl: { 'vm.nr_hugepages': 8192 } },
      },
      virtualisation: { libvirtd: { enable: true, qemu: { swtpm: { enable: true } } } },
      programs: { 'virt-manager': { enable: true } },
      users: { groups: { libvirtd: { members: ['alice', 'bob'] } } },
    });
    // Every option line carries a `# why` comment on the line above it.
    const lines = text.split('\n');
    let checked = 0;
    lines.forEach((line, i) => {
      // List items and attributes that hold a value (not the `= {` / `= [` that open a container).
      if (/^\s+"[^"]*"$/.test(line) || /^\s+[\w."-]+ = .*(;|'')$/.test(line)) {
        expect(lines[i - 1], `no comment above: ${line}`).toMatch(/^\s*#/);
        checked++;
      }
    });
    // 3 kernel params, 3 modules, modprobe config, sysctl, libvirtd, swtpm, virt-manager, members.
    expect(checked).toBe(12);
  });

  it('leaves intel_iommu out on AMD (the AMD IOMMU is on by default)', async () => {
    const text = emitVfioModule({
      cpuVendor: 'amd',
      devices: X570_GPU,
      bindByAddress: false,
      libvirt: true,
    });
    await parseNix(text);
    expect(text).not.toContain('intel_iommu');
    expectNoForbidden(text);
    const value = (await evalModule(text)) as {
      boot: { kernelParams: string[] };
      virtualisation: unknown;
    };
    expect(value.boot.kernelParams).toEqual(['iommu=pt', 'vfio-pci.ids=10de:1b06,10de:10ef']);
    expect(value.virtualisation).toEqual({ libvirtd: { enable: true } });
  });

  it('orders amdgpu and radeon after vfio-pci for an AMD card on an Intel host, and reserves 1 GiB pages at boot', async () => {
    const text = emitVfioModule({
      cpuVendor: 'intel',
      devices: RX6700XT,
      bindByAddress: false,
      libvirt: false,
      hugepages: { sizeKiB: 1048576, count: 16 },
    });
    await parseNix(text);
    const value = (await evalModule(text)) as {
      boot: { kernelParams: string[]; extraModprobeConfig: string; kernel?: unknown };
    };
    expect(value.boot.kernelParams).toEqual([
      'intel_iommu=on',
      'iommu=pt',
      'vfio-pci.ids=1002:73df,1002:ab28',
      'default_hugepagesz=1G',
      'hugepagesz=1G',
      'hugepages=16',
    ]);
    const softdeps = value.boot.extraModprobeConfig
      .split('\n')
      .filter((l) => l.startsWith('softdep'));
    expect(softdeps).toEqual([
      'softdep amdgpu pre: vfio-pci',
      'softdep radeon pre: vfio-pci',
      'softdep snd_hda_intel pre: vfio-pci',
    ]);
    expect(value.boot.kernel).toBeUndefined();
    expect(Object.keys(value)).toEqual(['boot']);
  });
});

describe('emitVfioModule by PCI address', () => {
  it('binds the second of two identical GTX 1060 by address: no vfio-pci.ids anywhere', async () => {
    const text = emitVfioModule({
      cpuVendor: 'intel',
      devices: SECOND_GTX1060,
      bindByAddress: true,
      libvirt: true,
    });
    await parseNix(text);
    expect(text).not.toContain('vfio-pci.ids');
    expect(text).not.toMatch(/ids=/);
    expectNoForbidden(text);
    const value = (await evalModule(text)) as {
      boot: {
        kernelParams: string[];
        initrd: { preDeviceCommands: Guarded<string>; systemd: { services: Units } };
        extraModprobeConfig: string;
      };
      assertions?: unknown;
    };
    expect(value.boot.kernelParams).toEqual(['intel_iommu=on', 'iommu=pt']);
    expect(value.boot.extraModprobeConfig).not.toContain('options vfio-pci');
    expect(value.boot.extraModprobeConfig).toContain('softdep nvidia pre: vfio-pci');
    // The scripted initrd runs the script; the systemd unit is defined away.
    expect(value.boot.initrd.preDeviceCommands.condition).toBe(true);
    const unit = value.boot.initrd.systemd.services['cohabit-vfio-bind'];
    expect(unit?.condition).toBe(false);
    const script = value.boot.initrd.preDeviceCommands.content;
    await run('sh', ['-n'], script);
    expect(script).toContain('for dev in 0000:02:00.0 0000:02:00.1; do');
    expect(script).toContain('echo vfio-pci > "/sys/bus/pci/devices/$dev/driver_override"');
    expect(script).toContain('echo "$dev" > /sys/bus/pci/drivers_probe');
    expect(script).not.toContain('0000:01:00');
    expect(unit?.content.script).toBe(script);
    expect(value.assertions).toBeUndefined();
  });

  it('binds by address under systemd stage 1 with a unit before udev coldplug, and defines no preDeviceCommands', async () => {
    const text = emitVfioModule({
      cpuVendor: 'amd',
      devices: X570_USB,
      bindByAddress: true,
      libvirt: false,
    });
    const value = (await evalModule(text, true)) as {
      boot: { initrd: { preDeviceCommands: Guarded<string>; systemd: { services: Units } } };
    };
    expect(value.boot.initrd.preDeviceCommands.condition).toBe(false);
    const unit = value.boot.initrd.systemd.services['cohabit-vfio-bind'];
    expect(unit?.condition).toBe(true);
    expect(unit?.content).toMatchObject({
      wantedBy: ['sysinit.target'],
      after: ['systemd-modules-load.service'],
      before: ['systemd-udev-trigger.service', 'sysinit.target'],
      unitConfig: { DefaultDependencies: false },
      serviceConfig: { Type: 'oneshot', RemainAfterExit: true },
    });
    await run('sh', ['-n'], unit?.content.script ?? '');
    expect(unit?.content.script).toContain('for dev in 0000:0e:00.3; do');
  });

  it('keeps the X570 chipset USB controllers that share 1022:149c: only 0e:00.3 is in the script', async () => {
    const text = emitVfioModule({
      cpuVendor: 'amd',
      devices: X570_USB,
      bindByAddress: true,
      libvirt: false,
    });
    const value = (await evalModule(text)) as {
      boot: { initrd: { preDeviceCommands: Guarded<string> }; extraModprobeConfig: string };
    };
    const script = value.boot.initrd.preDeviceCommands.content;
    await run('sh', ['-n'], script);
    const addresses = script.match(/[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/g);
    expect(addresses).toEqual(['0000:0e:00.3']);
    expect(text).not.toContain('1022:149c');
    expect(value.boot.extraModprobeConfig).toContain('softdep xhci_pci pre: vfio-pci');
  });

  it('writes a script that sh accepts and that names exactly the given addresses, for any valid addresses', async () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    const address = fc
      .tuple(hex(4), hex(2), fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 7 }))
      .map(([d, b, s, f]) => `${d}:${b}:${s.toString(16).padStart(2, '0')}.${f}`);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(address, { minLength: 1, maxLength: 8 }),
        async (addresses) => {
          const devices = addresses.map((a) => ({
            address: a,
            vendorId: '10de',
            deviceId: '1c03',
            classCode: '0300',
            hostDriver: null,
          }));
          const text = emitVfioModule({
            cpuVendor: 'other',
            devices,
            bindByAddress: true,
            libvirt: false,
          });
          const value = (await evalModule(text)) as {
            boot: { initrd: { preDeviceCommands: Guarded<string> } };
          };
          const script = value.boot.initrd.preDeviceCommands.content;
          await run('sh', ['-n'], script);
          expect(script.match(/[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/g)).toEqual(addresses);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('emitVfioModule refuses input it cannot write safely', () => {
  const base: VfioModuleInput = {
    cpuVendor: 'intel',
    devices: QUADRO,
    bindByAddress: true,
    libvirt: true,
  };
  const gpu = QUADRO[0] as VfioDevice;
  const withDevice = (patch: Partial<VfioDevice>): VfioModuleInput => ({
    ...base,
    devices: [{ ...gpu, ...patch }],
  });

  it.each([
    ['a short address', withDevice({ address: '01:00.0' })],
    ['shell in an address', withDevice({ address: '0000:01:00.0; reboot' })],
    ['a newline after an address', withDevice({ address: '0000:01:00.0\n' })],
    ['an address with upper-case hex', withDevice({ address: '0000:0A:00.0' })],
    ['a function above 7', withDevice({ address: '0000:01:00.8' })],
    ['a vendor ID with a device ID in it', withDevice({ vendorId: '10de:1c03' })],
    ['a device ID that is not hex', withDevice({ deviceId: '1g03' })],
    ['a three-digit device ID', withDevice({ deviceId: '1c0' })],
    ['a class code with a newline', withDevice({ classCode: '0300\n' })],
    [
      'a driver name that injects a modprobe line',
      withDevice({ hostDriver: 'nvidia\ninstall vfio-pci /bin/sh' }),
    ],
    ['a driver name with a space', withDevice({ hostDriver: 'nvidia pre: x' })],
    ['no device', { ...base, devices: [] }],
    ['the same address twice', { ...base, devices: [gpu, gpu] }],
    ['a user name with a quote', { ...base, users: ['al"ice'] }],
    ['a user name with a dot path', { ...base, users: ['alice.extraGroups'] }],
    ['zero huge pages', { ...base, hugepages: { sizeKiB: 2048 as const, count: 0 } }],
    [
      'a fractional huge page count',
      { ...base, hugepages: { sizeKiB: 2048 as const, count: 1.5 } },
    ],
  ])('refuses %s', (_what, input) => {
    expect(() => emitVfioModule(input)).toThrow(VfioModuleError);
  });
});
