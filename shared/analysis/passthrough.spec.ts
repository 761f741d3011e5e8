// Tests for the passthrough analysis: the answers for the GPUs of real forum listings (worked out by
// hand from each listing and DESIGN.md section 7), then each rule on small hand-built machines.
import { describe, expect, it } from 'vitest';
import { iommuFixture as fixture } from '../../test/fixtures/iommu/iommu-fixtures';
import type { BlockDevice, Inventory } from '../model/inventory';
import { parseIommuListing } from '../parse/iommu-listing';
import { contextFromListing } from './listing-context';
import {
  analyzePassthrough,
  analyzeSelection,
  hostDiskControllers,
  rootPoolName,
  type AnalysisContext,
  type PassthroughCandidate,
} from './passthrough';

const analyzeFixture = (name: string, options: { acsOverride?: boolean } = {}) =>
  analyzePassthrough(contextFromListing(parseIommuListing(fixture(name)), options));
const gpu = (a: { gpus: PassthroughCandidate[] }, short: string) => {
  const c = a.gpus.find((g) => g.address === `0000:${short}`);
  if (!c) throw new Error(`no GPU ${short}`);
  return c;
};
const codes = (c: PassthroughCandidate) => c.reasons.map((r) => r.code);
const full = (...xs: string[]) => xs.map((x) => `0000:${x}`);

describe('GPUs of real listings', () => {
  it('ThinkPad P53: the Quadro goes with its four functions, not its root port', () => {
    const a = analyzeFixture('thinkpad-p53-quadro-rtx4000.txt');
    expect(a.groups).toBe(29);
    expect(a.devices).toBe(39);
    expect(gpu(a, '01:00.0')).toMatchObject({
      group: 2,
      passTogether: full('01:00.0', '01:00.1', '01:00.2', '01:00.3'),
      foreign: [],
      clean: true,
      vfioIds: ['10de:1eb6', '10de:10f8', '10de:1ad8', '10de:1ad9'],
      bindByAddress: false,
      verdict: 'ok',
    });
    expect(gpu(a, '00:02.0')).toMatchObject({ passTogether: full('00:02.0'), clean: true });
    // A listing cannot tell boot_vga, drivers, disks, NIC or keyboard: they are listed as not checked.
    expect(a.checksNotMade.map((c) => c.code)).toEqual([
      'boot-vga',
      'reset-method',
      'drivers',
      'iommu-state',
      'disk-controllers',
      'default-route-nic',
      'input-usb',
    ]);
    // The Intel USB controller shares its group with the PCH Shared SRAM (a memory controller).
    const usb = a.usbControllers.find((c) => c.address === '0000:00:14.0');
    expect(usb?.verdict).toBe('refuse');
    expect(usb && codes(usb)).toContain('refuse.memory-controller');
  });

  it('B450 with a GT 720 in a chipset slot: chipset USB, SATA and 2.5GbE must go along', () => {
    const a = analyzeFixture('amd-b450-gt720-chipset-group.txt');
    const gt720 = gpu(a, '06:00.0');
    expect(gt720).toMatchObject({
      group: 15,
      passTogether: full('02:00.0', '02:00.1', '05:00.0', '06:00.0', '06:00.1'),
      ownFunctions: full('06:00.0', '06:00.1'),
      foreign: full('02:00.0', '02:00.1', '05:00.0'),
      clean: false,
      vfioIds: ['1022:43d5', '1022:43c8', '10ec:8125', '10de:1288', '10de:0e0f'],
      verdict: 'warn',
    });
    expect(codes(gt720)).toEqual(['warn.foreign-devices']);
    expect(gt720.reasons[0]?.message).toContain(
      'group 15 also holds the USB controller 0000:02:00.0, the SATA controller 0000:02:00.1, the Ethernet controller 0000:05:00.0',
    );
    expect(gpu(a, '07:00.0')).toMatchObject({
      passTogether: full('07:00.0', '07:00.1', '07:00.2', '07:00.3'),
      clean: true,
      vfioIds: ['10de:1e04', '10de:10f7', '10de:1ad6', '10de:1ad7'],
      verdict: 'ok',
    });
  });

  it('Renoir APU before ACS override: the iGPU group holds PSP, USB, audio and SATA', () => {
    const a = analyzeFixture('renoir-apu-group.txt');
    expect(gpu(a, '05:00.0')).toMatchObject({
      passTogether: full(
        '05:00.0',
        '05:00.1',
        '05:00.2',
        '05:00.3',
        '05:00.4',
        '05:00.6',
        '06:00.0',
      ),
      ownFunctions: full('05:00.0', '05:00.1'),
      foreign: full('05:00.2', '05:00.3', '05:00.4', '05:00.6', '06:00.0'),
      clean: false,
      vfioIds: ['1002:1636', '1002:1637', '1022:15df', '1022:1639', '1022:15e3', '1022:7901'],
      verdict: 'warn',
    });
  });

  it('Renoir with pcie_acs_override: VGA and audio in separate groups go together, with a warning', () => {
    const a = analyzeFixture('renoir-acs-override.txt', { acsOverride: true });
    const apu = gpu(a, '05:00.0');
    expect(apu).toMatchObject({
      group: 15,
      groupsInvolved: [15, 16],
      passTogether: full('05:00.0', '05:00.1'),
      foreign: [],
      clean: true,
      vfioIds: ['1002:1636', '1002:1637'],
      verdict: 'warn',
    });
    expect(codes(apu)).toEqual(['warn.acs-override', 'info.functions-in-other-groups']);
    // The two identical Renoir USB controllers sit in groups 18 and 19: bind by address.
    const usb = a.usbControllers.find((c) => c.address === '0000:05:00.3');
    expect(usb).toMatchObject({ passTogether: full('05:00.3'), bindByAddress: true });
    expect(usb?.reasons.find((r) => r.code === 'warn.shared-id')?.devices).toEqual(full('05:00.4'));
  });

  it('Lenovo M75s Gen 2, before and after the ACS override', () => {
    const before = gpu(analyzeFixture('lenovo-m75s-renoir-before-acs.txt'), '0c:00.0');
    expect(before).toMatchObject({
      group: 5,
      passTogether: full(
        '0c:00.0',
        '0c:00.1',
        '0c:00.2',
        '0c:00.3',
        '0c:00.4',
        '0c:00.5',
        '0c:00.6',
      ),
      foreign: full('0c:00.2', '0c:00.3', '0c:00.4', '0c:00.5', '0c:00.6'),
      clean: false,
      verdict: 'warn',
    });
    const after = gpu(
      analyzeFixture('lenovo-m75s-renoir-acs-override.txt', { acsOverride: true }),
      '0c:00.0',
    );
    expect(after).toMatchObject({
      groupsInvolved: [24, 25],
      passTogether: full('0c:00.0', '0c:00.1'),
      clean: true,
      vfioIds: ['1002:1636', '1002:1637'],
      verdict: 'warn',
    });
    expect(codes(after)).toContain('warn.acs-override');
  });

  it('Alder Lake: the RX 6700 XT audio in its own group still goes with the VGA', () => {
    const a = analyzeFixture('intel-alderlake-rx6700xt-split.txt');
    expect(gpu(a, '03:00.0')).toMatchObject({
      group: 21,
      groupsInvolved: [21, 22],
      passTogether: full('03:00.0', '03:00.1'),
      clean: true,
      vfioIds: ['1002:73df', '1002:ab28'],
      verdict: 'ok',
    });
    expect(gpu(a, '04:00.0')).toMatchObject({
      passTogether: full('04:00.0', '04:00.1'),
      vfioIds: ['1002:67ff', '1002:aae0'],
      clean: true,
    });
  });

  it('B450M Mortar: the Raven Ridge audio sits with PSP and USB in another group', () => {
    const a = analyzeFixture('amd-b450m-mortar-raven-apu.txt');
    const apu = gpu(a, '38:00.0');
    expect(apu).toMatchObject({
      group: 11,
      groupsInvolved: [11, 12],
      passTogether: full('38:00.0', '38:00.1', '38:00.2', '38:00.3', '38:00.4', '38:00.6'),
      ownFunctions: full('38:00.0', '38:00.1'),
      foreign: full('38:00.2', '38:00.3', '38:00.4', '38:00.6'),
      clean: false,
      verdict: 'warn',
    });
    expect(gpu(a, '10:00.0')).toMatchObject({ passTogether: full('10:00.0'), clean: true });
  });

  it('two identical GTX 1060 in one group: each takes the other along, one set of IDs', () => {
    const a = analyzeFixture('centos-two-gtx1060-one-group.txt');
    for (const short of ['01:00.0', '02:00.0']) {
      expect(gpu(a, short)).toMatchObject({
        passTogether: full('01:00.0', '01:00.1', '02:00.0', '02:00.1'),
        clean: false,
        vfioIds: ['10de:1c03', '10de:10f1'],
        // Nothing with these IDs stays with the host, so binding by ID is fine.
        bindByAddress: false,
        verdict: 'warn',
      });
    }
    expect(gpu(a, '01:00.0').foreign).toEqual(full('02:00.0', '02:00.1'));
  });

  it('X570, Z370 and Z170: discrete GPUs alone with their audio, root ports left out', () => {
    const x570 = analyzeFixture('amd-x570-gtx1080ti-gt710.txt');
    expect(gpu(x570, '0b:00.0')).toMatchObject({
      passTogether: full('0b:00.0', '0b:00.1'),
      vfioIds: ['10de:1b06', '10de:10ef'],
      clean: true,
      verdict: 'ok',
    });
    expect(gpu(x570, '0c:00.0').vfioIds).toEqual(['10de:128b', '10de:0e0f']);
    const z370 = analyzeFixture('intel-z370-gt1030.txt');
    expect(gpu(z370, '01:00.0')).toMatchObject({
      group: 2,
      passTogether: full('01:00.0', '01:00.1'),
      vfioIds: ['10de:1d01', '10de:0fb8'],
      verdict: 'ok',
    });
    // The PCH audio shares group 10 with the LPC bridge, a memory controller and SMBus.
    const hda = z370.others.find((c) => c.address === '0000:00:1f.3');
    expect(hda && codes(hda)).toEqual(
      expect.arrayContaining(['refuse.isa-bridge', 'refuse.memory-controller', 'refuse.smbus']),
    );
    const z170 = analyzeFixture('intel-z170-gtx960.txt');
    expect(gpu(z170, '01:00.0')).toMatchObject({
      passTogether: full('01:00.0', '01:00.1'),
      vfioIds: ['10de:1401', '10de:0fba'],
    });
  });

  it('a listing with an address twice is never clean', () => {
    const text = `${fixture('intel-z170-gtx960.txt')}IOMMU group 14\n  01:00.1 Audio device [0403]: NVIDIA Corporation Device [10de:0fba] (rev a1)\n`;
    const a = analyzePassthrough(contextFromListing(parseIommuListing(text)));
    const c = gpu(a, '01:00.0');
    expect(c.clean).toBe(false);
    expect(c.verdict).toBe('refuse');
    expect(codes(c)).toContain('refuse.untrusted-group');
  });
});

// ---- Hand-built machines (synthetic) ------------------------------------------------------------

const LISTING = `IOMMU Group 1:
\t00:01.0 PCI bridge [0604]: Intel Corporation PCIe Controller (x16) [8086:1901]
\t01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP106 [GeForce GTX 1060 6GB] [10de:1c03] (rev a1)
\t01:00.1 Audio device [0403]: NVIDIA Corporation GP106 High Definition Audio Controller [10de:10f1] (rev a1)
IOMMU Group 2:
\t00:02.0 VGA compatible controller [0300]: Intel Corporation HD Graphics 530 [8086:1912]
IOMMU Group 3:
\t00:14.0 USB controller [0c03]: Intel Corporation xHCI Controller [8086:a12f]
IOMMU Group 4:
\t00:17.0 SATA controller [0106]: Intel Corporation SATA Controller [8086:a102]
\t03:00.0 USB controller [0c03]: ASMedia Technology Inc. ASM1142 USB 3.1 Host Controller [1b21:1242]
IOMMU Group 5:
\t00:1f.6 Ethernet controller [0200]: Intel Corporation I219-V [8086:15b8]
\t04:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP106 [GeForce GTX 1060 6GB] [10de:1c03] (rev a1)
\t04:00.1 Audio device [0403]: NVIDIA Corporation GP106 High Definition Audio Controller [10de:10f1] (rev a1)
IOMMU Group 6:
\t05:00.0 Non-Volatile memory controller [0108]: Samsung NVMe SSD Controller [144d:a808]
`;

function disk(
  name: string,
  controller: string,
  children: BlockDevice[] = [],
  byId: string[] = [],
): BlockDevice {
  return {
    name,
    path: `/dev/${name}`,
    type: 'disk',
    sizeBytes: 1,
    model: null,
    serial: null,
    wwn: null,
    transport: null,
    rotational: null,
    removable: null,
    fstype: null,
    fsver: null,
    label: null,
    uuid: null,
    partuuid: null,
    parttype: null,
    partlabel: null,
    ptuuid: null,
    pttype: null,
    mountpoints: [],
    byId,
    pciController: controller,
    luksMapper: null,
    children,
  };
}
const part = (name: string, extra: Partial<BlockDevice> = {}): BlockDevice => ({
  ...disk(name, ''),
  type: 'part',
  pciController: null,
  ...extra,
});

/** A machine with sysfs, disk, USB and network facts: the NVMe holds zroot through LUKS, the SATA
 * disk holds the ESP, the keyboard is on 00:14.0, the default route on 00:1f.6. */
function machine(
  change: (inv: Inventory) => void = () => {},
  hostHeadless = false,
): AnalysisContext {
  const base = contextFromListing(parseIommuListing(LISTING));
  const inv = base.inventory;
  for (const d of inv.pci) d.resetMethods = d.classCode === '0300' ? ['flr', 'bus'] : ['bus'];
  for (const d of inv.pci) d.bootVga = d.classCode === '0300' ? d.address === '0000:00:02.0' : null;
  inv.iommu.interruptRemapping = 'on';
  inv.gpus = inv.pci
    .filter((d) => d.classCode === '0300')
    .map((d) => ({
      address: d.address,
      vendorId: d.vendorId,
      name: d.deviceName,
      functions: [d.address],
      bootVga: d.bootVga === true,
      connectedOutputs: d.bootVga === true ? ['HDMI-A-1'] : [],
      drivesDisplay: d.bootVga === true,
      driver: d.vendorId === '10de' ? 'nvidia' : 'i915',
    }));
  inv.usb = [
    {
      address: '0000:00:14.0',
      name: 'xHCI',
      buses: [1, 2],
      devices: [],
      hasKeyboard: true,
      hasMouse: false,
    },
    {
      address: '0000:03:00.0',
      name: 'ASM1142',
      buses: [3, 4],
      devices: [],
      hasKeyboard: false,
      hasMouse: false,
    },
  ];
  inv.disks = [
    disk('nvme0n1', '0000:05:00.0', [
      part('nvme0n1p1'),
      part('nvme0n1p2', {
        fstype: 'crypto_LUKS',
        luksMapper: 'cryptroot1',
        children: [{ ...part('cryptroot1'), type: 'crypt', path: '/dev/mapper/cryptroot1' }],
      }),
    ]),
    disk(
      'sda',
      '0000:00:17.0',
      [part('sda1', { fstype: 'vfat', byId: ['ata-WDC_WD10EZEX-00BN5A0_WD-WCC3F0000000-part1'] })],
      ['ata-WDC_WD10EZEX-00BN5A0_WD-WCC3F0000000'],
    ),
  ];
  inv.zfs = {
    available: true,
    version: '2.3.4',
    pools: [
      {
        name: 'zroot',
        sizeBytes: 1,
        allocatedBytes: 0,
        freeBytes: 1,
        fragmentationPercent: 0,
        capacityPercent: 0,
        health: 'ONLINE',
        guid: '1',
        altroot: null,
        bootfs: null,
        compatibility: null,
        features: {},
        vdevs: [],
        devices: ['/dev/mapper/cryptroot1'],
      },
    ],
    datasets: [
      {
        name: 'zroot/root',
        pool: 'zroot',
        type: 'filesystem',
        usedBytes: 0,
        availableBytes: 0,
        referencedBytes: 0,
        mountpoint: '/',
        mounted: true,
        canmount: 'on',
        compression: null,
        encryption: null,
        keystatus: null,
        volsizeBytes: null,
        volblocksizeBytes: null,
        refreservationBytes: null,
        origin: null,
        creation: 0,
        cohabit: {},
      },
    ],
  };
  inv.mounts = [
    { source: 'zroot/root', target: '/', fstype: 'zfs', options: 'rw' },
    {
      source: '/dev/disk/by-id/ata-WDC_WD10EZEX-00BN5A0_WD-WCC3F0000000-part1',
      target: '/boot',
      fstype: 'vfat',
      options: 'rw',
    },
  ];
  inv.network = { defaultRouteInterface: 'eno1', defaultRouteDevice: '0000:00:1f.6' };
  change(inv);
  return {
    inventory: inv,
    facts: { sysfs: true, disks: true, usb: true, network: true },
    hostHeadless,
    untrustedGroups: [],
  };
}

function setReset(inv: Inventory, address: string, methods: string[] | null) {
  for (const d of inv.pci) if (d.address === address) d.resetMethods = methods;
}

describe('rules on a hand-built machine (synthetic)', () => {
  it('with every fact known, nothing is left unchecked and the clean GPU is ok', () => {
    const a = analyzePassthrough(machine());
    expect(a.checksNotMade).toEqual([]);
    // 01:00.0 has the same IDs as the GTX 1060 at 04:00.0, which stays: bind by address.
    const c = gpu(a, '01:00.0');
    expect(c).toMatchObject({ clean: true, bindByAddress: true, verdict: 'warn' });
    expect(codes(c)).toEqual(['warn.shared-id']);
    expect(c.reasons[0]?.devices).toEqual(full('04:00.0', '04:00.1'));
  });

  it('refuses the GPU that drives the display unless the host goes headless', () => {
    const igpu = gpu(analyzePassthrough(machine()), '00:02.0');
    expect(igpu.verdict).toBe('refuse');
    expect(codes(igpu)).toEqual(['refuse.boot-vga']);
    expect(igpu.reasons[0]?.fix).toBeDefined();
    const headless = gpu(analyzePassthrough(machine(() => {}, true)), '00:02.0');
    expect(codes(headless)).toEqual(['info.host-headless', 'warn.host-driver']);
    expect(headless.verdict).toBe('warn');
  });

  it('refuses a group holding the controller of the root pool (through LUKS) or the /boot disk', () => {
    const nvme = analyzePassthrough(machine()).others.find((c) => c.address === '0000:05:00.0');
    expect(nvme?.reasons.find((r) => r.code === 'refuse.host-disk-controller')?.message).toBe(
      'group 6 also holds the Non-Volatile memory controller 0000:05:00.0 (Controller of nvme0n1, which holds the root pool zroot); the host would lose its own disks',
    );
    const asm = analyzePassthrough(machine()).usbControllers.find(
      (c) => c.address === '0000:03:00.0',
    );
    expect(asm?.verdict).toBe('refuse');
    expect(asm?.reasons.find((r) => r.code === 'refuse.host-disk-controller')?.message).toContain(
      'the SATA controller 0000:00:17.0 (Controller of sda, which holds the EFI system partition (/boot))',
    );
  });

  it('hostDiskControllers: every reason the host needs each disk controller, the root pool first', () => {
    const inv = machine((i) => {
      const nvme = i.disks[0];
      if (nvme) nvme.children[0] = part('nvme0n1p1', { mountpoints: ['/srv/scratch'] });
    }).inventory;
    expect(hostDiskControllers(inv)).toEqual(
      new Map([
        [
          '0000:05:00.0',
          [
            'Controller of nvme0n1, which holds the root pool zroot',
            'Controller of nvme0n1, mounted at /srv/scratch',
          ],
        ],
        ['0000:00:17.0', ['Controller of sda, which holds the EFI system partition (/boot)']],
      ]),
    );
    // A disk that holds nothing in use is the user's to give away.
    const idle = machine((i) => {
      i.mounts = i.mounts.filter((m) => m.target !== '/boot');
    }).inventory;
    expect(hostDiskControllers(idle).has('0000:00:17.0')).toBe(false);
  });

  it('hostDiskControllers: a non-ZFS root is the root disk; a second pool is named as such', () => {
    const inv = machine((i) => {
      i.zfs.datasets = [];
      i.mounts = [{ source: '/dev/sda1', target: '/', fstype: 'ext4', options: 'rw' }];
      const pool = i.zfs.pools[0];
      if (pool) pool.name = 'tank';
    }).inventory;
    const controllers = hostDiskControllers(inv);
    expect(controllers.get('0000:00:17.0')).toEqual(['Controller of sda, the root disk']);
    expect(controllers.get('0000:05:00.0')).toEqual([
      'Controller of nvme0n1, which holds the pool tank',
    ]);
    // The analysis refuses with the first of those words.
    const sata = analyzePassthrough({ ...machine(), inventory: inv }).usbControllers.find(
      (c) => c.address === '0000:03:00.0',
    );
    expect(sata?.reasons.find((r) => r.code === 'refuse.host-disk-controller')?.message).toBe(
      'group 4 also holds the SATA controller 0000:00:17.0 (Controller of sda, the root disk); the host would lose its own disks',
    );
  });

  it('says once that a pool device matches no disk, and still refuses the rest', () => {
    const a = analyzePassthrough(
      machine((i) => {
        i.zfs.pools[0]?.devices.push('/dev/disk/by-id/wwn-0x5000000000000001');
      }),
    );
    expect(a.global.filter((r) => r.code === 'info.unresolved-pool-device')).toEqual([
      {
        code: 'info.unresolved-pool-device',
        severity: 'info',
        message:
          '/dev/disk/by-id/wwn-0x5000000000000001 of pool zroot matches no disk; its controller could not be checked',
        devices: [],
      },
    ]);
    const nvme = a.others.find((c) => c.address === '0000:05:00.0');
    expect(nvme?.verdict).toBe('refuse');
  });

  it('rootPoolName: the dataset mounted at /, else the mount table, else the pool with a bootfs', () => {
    expect(rootPoolName(machine().inventory)).toBe('zroot');
    const byMount = machine((i) => {
      i.zfs.datasets = [];
    }).inventory;
    expect(rootPoolName(byMount)).toBe('zroot');
    const ext4Root = machine((i) => {
      i.zfs.datasets = [];
      i.mounts = [{ source: '/dev/sda1', target: '/', fstype: 'ext4', options: 'rw' }];
      const pool = i.zfs.pools[0];
      if (pool) pool.bootfs = 'zroot/root';
    }).inventory;
    expect(rootPoolName(ext4Root)).toBeNull();
    const noMounts = machine((i) => {
      i.zfs.datasets = [];
      i.mounts = [];
    }).inventory;
    expect(rootPoolName(noMounts)).toBeNull();
    const pool = noMounts.zfs.pools[0];
    if (pool) pool.bootfs = 'zroot/root';
    expect(rootPoolName(noMounts)).toBe('zroot');
  });

  it('refuses the NIC on the default route and the USB controller with the keyboard', () => {
    const g = gpu(analyzePassthrough(machine()), '04:00.0');
    expect(codes(g)).toContain('refuse.default-route-nic');
    expect(g.foreign).toEqual(full('00:1f.6'));
    const kbd = analyzePassthrough(machine()).usbControllers.find(
      (c) => c.address === '0000:00:14.0',
    );
    expect(kbd && codes(kbd)).toEqual(['refuse.input-usb-controller']);
  });

  it('warns about no reset method and says when the kernel does not tell', () => {
    const none = gpu(
      analyzePassthrough(machine((inv) => setReset(inv, '0000:01:00.1', []))),
      '01:00.0',
    );
    expect(none.reasons.find((r) => r.code === 'warn.no-reset')?.devices).toEqual(full('01:00.1'));
    const unknown = gpu(
      analyzePassthrough(machine((inv) => setReset(inv, '0000:01:00.1', null))),
      '01:00.0',
    );
    expect(codes(unknown)).toContain('info.reset-unknown');
    expect(codes(unknown)).not.toContain('warn.no-reset');
  });

  it('refuses everything when the IOMMU is off and warns on ACS override and interrupt remapping', () => {
    const off = analyzePassthrough(machine((inv) => (inv.iommu.enabled = false)));
    expect(off.gpus.every((g) => g.verdict === 'refuse')).toBe(true);
    expect(off.global.map((r) => r.code)).toEqual(['refuse.iommu-off']);
    const acs = analyzePassthrough(
      machine((inv) => {
        inv.iommu.acsOverride = true;
        inv.iommu.interruptRemapping = 'off';
      }),
    );
    expect(acs.global.map((r) => r.code)).toEqual([
      'warn.acs-override',
      'warn.interrupt-remapping-off',
    ]);
  });

  it('analyzeSelection: both GTX 1060 to one VM need no binding by address, but take the NIC', () => {
    const c = analyzeSelection(machine(), ['0000:04:00.0', '0000:01:00.0']);
    expect(c).toMatchObject({
      address: '0000:01:00.0',
      kind: 'gpu',
      groupsInvolved: [1, 5],
      passTogether: full('00:1f.6', '01:00.0', '01:00.1', '04:00.0', '04:00.1'),
      foreign: full('00:1f.6'),
      vfioIds: ['8086:15b8', '10de:1c03', '10de:10f1'],
      bindByAddress: false,
      verdict: 'refuse',
    });
    expect(analyzeSelection(machine(), ['0000:09:00.0']).reasons.map((r) => r.code)).toEqual([
      'refuse.unknown-device',
    ]);
  });
});
