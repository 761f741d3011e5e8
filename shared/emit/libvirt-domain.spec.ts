// Checks the domain XML with libvirt's own schema (virt-xml-validate, Debian's libvirt-clients) and
// a real XML parser, on hostdevs taken from real IOMMU listings in test/fixtures/iommu.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { iommuFixture } from '../../test/fixtures/iommu/iommu-fixtures';
import { parseIommuListing } from '../parse/iommu-listing';
import {
  DomainXmlError,
  emitDomainXml,
  type DomainHostdev,
  type DomainInput,
} from './libvirt-domain';

const dir = mkdtempSync(join(tmpdir(), 'cohabit-domain-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${stdout}${stderr}`));
      else resolve(stdout + stderr); // xmllint says "validates" on stderr
    });
  });
}

function save(xml: string): string {
  const file = join(dir, `domain-${fileCounter++}.xml`);
  writeFileSync(file, xml);
  return file;
}

/** libvirt's RelaxNG schema for domains; rejects with the validator's message. */
const validate = (xml: string) => run('virt-xml-validate', [save(xml), 'domain']);

// Every element as [path, attributes, text], decoded by a real XML parser (Python's expat).
const DUMP = `import json, sys, xml.etree.ElementTree as E
out = []
def walk(e, path):
    p = path + "/" + e.tag.split("}")[-1]
    out.append([p, e.attrib, (e.text or "").strip()])
    for c in e: walk(c, p)
walk(E.parse(sys.argv[1]).getroot(), "")
print(json.dumps(out))`;
type Node = [string, Record<string, string>, string];
const parseXml = async (xml: string) =>
  JSON.parse(await run('python3', ['-c', DUMP, save(xml)])) as Node[];
const find = (nodes: Node[], path: string) => nodes.filter(([p]) => p === path);

// ThinkPad P53's Quadro RTX 4000: the four functions of slot 01:00 from the real listing.
const quadroFunctions = parseIommuListing(iommuFixture('thinkpad-p53-quadro-rtx4000.txt'))
  .devices.filter((d) => d.address.startsWith('0000:01:00.'))
  .map((d) => d.address);
// X570: the Matisse USB controller passed on its own.
const x570Usb = parseIommuListing(iommuFixture('amd-x570-gtx1080ti-gt710.txt')).devices.find(
  (d) => d.address === '0000:0e:00.3',
);

const gpuHostdevs: DomainHostdev[] = quadroFunctions.map((address, i) => ({
  address,
  multifunctionGroup: 'quadro',
  kind: i === 0 ? 'gpu' : 'other',
}));

const MAC: DomainInput = {
  name: 'macOS-Sonoma',
  uuid: '2aca0dd6-cec9-4717-9ab2-0b7b13d111c3',
  memoryMiB: 16384,
  vcpus: 8,
  topology: { sockets: 1, cores: 4, threads: 2 },
  cpuPinning: [
    { vcpu: 1, hostCpu: 3 },
    { vcpu: 0, hostCpu: 2 },
  ],
  hugepages: true,
  systemDisk: '/dev/zvol/zroot/vms/macos',
  openCoreImage: '/var/lib/cohabit/OpenCore.qcow2',
  ovmfCode: '/run/libvirt/nix-ovmf/OVMF_CODE.fd',
  ovmfVars: '/run/libvirt/nix-ovmf/OVMF_VARS.fd',
  // A USB controller listed between the GPU's functions: the functions must still share one slot.
  hostdevs: [
    ...gpuHostdevs.slice(0, 2),
    { address: x570Usb?.address ?? 'missing', kind: 'usb-controller' },
    ...gpuHostdevs.slice(2).reverse(),
  ],
  macOS: true,
  // Not Apple's key: a 64-character stand-in with the same shape (the user provides the real one).
  osk: 'NotApplesKey(c)CohabitTestStandIn'.padEnd(64, '0'),
  macCpu: 'penryn',
};

const LINUX: DomainInput = {
  name: 'lab_vm.1',
  memoryMiB: 2048,
  vcpus: 2,
  systemDisk: '/dev/zvol/tank/vm-disk:1',
  openCoreImage: '/srv/images/boot.img',
  ovmfCode: '/nix/store/0c3f5y6v-qemu-9.2.0/share/qemu/edk2-x86_64-code.fd',
  ovmfVars: '/nix/store/0c3f5y6v-qemu-9.2.0/share/qemu/edk2-i386-vars.fd',
  hostdevs: [],
  macOS: false,
  network: { kind: 'bridge', name: 'br0' },
};

describe('emitDomainXml', () => {
  it("writes a macOS domain that libvirt's schema accepts", async () => {
    expect(quadroFunctions).toHaveLength(4);
    await expect(validate(emitDomainXml(MAC))).resolves.toContain('validates');
  });

  it('keeps the GPU functions on one guest slot: functions 0..3, multifunction on function 0 only', async () => {
    const nodes = await parseXml(emitDomainXml(MAC));
    const sources = find(nodes, '/domain/devices/hostdev/source/address');
    const guests = find(nodes, '/domain/devices/hostdev/address');
    expect(sources).toHaveLength(5);
    const layout = sources.map(([, src], i) => ({ host: src, guest: guests[i]?.[1] }));
    const gpu = layout.filter(({ host }) => host.bus === '0x01');
    expect(gpu.map(({ host }) => host.function)).toEqual(['0x0', '0x1', '0x2', '0x3']);
    expect(gpu.map(({ guest }) => guest)).toEqual([
      {
        type: 'pci',
        domain: '0x0000',
        bus: '0x01',
        slot: '0x00',
        function: '0x0',
        multifunction: 'on',
      },
      { type: 'pci', domain: '0x0000', bus: '0x01', slot: '0x00', function: '0x1' },
      { type: 'pci', domain: '0x0000', bus: '0x01', slot: '0x00', function: '0x2' },
      { type: 'pci', domain: '0x0000', bus: '0x01', slot: '0x00', function: '0x3' },
    ]);
    const usb = layout.find(({ host }) => host.bus === '0x0e');
    expect(usb?.host).toEqual({ domain: '0x0000', bus: '0x0e', slot: '0x00', function: '0x3' });
    expect(usb?.guest).toEqual({
      type: 'pci',
      domain: '0x0000',
      bus: '0x02',
      slot: '0x00',
      function: '0x0',
    });
    // Each guest bus used is a pcie-root-port the domain declares.
    const ports = find(nodes, '/domain/devices/controller').filter(
      ([, a]) => a.model === 'pcie-root-port',
    );
    expect(ports.map(([, a]) => a.index)).toEqual(['1', '2']);
    for (const [, attrs] of find(nodes, '/domain/devices/hostdev')) {
      expect(attrs).toEqual({ mode: 'subsystem', type: 'pci', managed: 'yes' });
    }
  });

  it('puts the zvol and OpenCore on SATA for macOS, OpenCore first, with the firmware and machine asked for', async () => {
    const nodes = await parseXml(emitDomainXml(MAC));
    const disks = find(nodes, '/domain/devices/disk/source').map(([, a]) => a);
    expect(disks).toEqual([
      { dev: '/dev/zvol/zroot/vms/macos' },
      { file: '/var/lib/cohabit/OpenCore.qcow2' },
    ]);
    expect(find(nodes, '/domain/devices/disk/driver').map(([, a]) => a)).toEqual([
      { name: 'qemu', type: 'raw', cache: 'none', io: 'native', discard: 'unmap' },
      { name: 'qemu', type: 'qcow2' },
    ]);
    expect(find(nodes, '/domain/devices/disk/target').map(([, a]) => a.bus)).toEqual([
      'sata',
      'sata',
    ]);
    expect(find(nodes, '/domain/devices/disk/boot').map(([, a]) => a.order)).toEqual(['2', '1']);
    expect(find(nodes, '/domain/os/type')).toEqual([
      ['/domain/os/type', { arch: 'x86_64', machine: 'q35' }, 'hvm'],
    ]);
    expect(find(nodes, '/domain/os/loader')).toEqual([
      [
        '/domain/os/loader',
        { readonly: 'yes', type: 'pflash' },
        '/run/libvirt/nix-ovmf/OVMF_CODE.fd',
      ],
    ]);
    expect(find(nodes, '/domain/os/nvram')[0]?.[1]).toEqual({
      template: '/run/libvirt/nix-ovmf/OVMF_VARS.fd',
    });
    expect(find(nodes, '/domain/memory')[0]?.slice(1)).toEqual([{ unit: 'MiB' }, '16384']);
    expect(find(nodes, '/domain/memoryBacking/hugepages')).toHaveLength(1);
    expect(find(nodes, '/domain/cpu/topology')[0]?.[1]).toEqual({
      sockets: '1',
      dies: '1',
      cores: '4',
      threads: '2',
    });
    expect(find(nodes, '/domain/cputune/vcpupin').map(([, a]) => a)).toEqual([
      { vcpu: '0', cpuset: '2' },
      { vcpu: '1', cpuset: '3' },
    ]);
    const args = find(nodes, '/domain/commandline/arg').map(([, a]) => a.value);
    expect(args.slice(0, 2)).toEqual(['-device', `isa-applesmc,osk=${MAC.osk ?? ''}`]);
    expect(args).toContain('-cpu');
    expect(find(nodes, '/domain/devices/interface/model')[0]?.[1]).toEqual({ type: 'vmxnet3' });
    // A USB controller is passed: no emulated tablet; a GPU is passed: no emulated display.
    expect(find(nodes, '/domain/devices/input')).toEqual([]);
    expect(find(nodes, '/domain/devices/graphics')).toEqual([]);
    expect(find(nodes, '/domain/devices/video/model')[0]?.[1]).toEqual({ type: 'none' });
  });

  it('writes a plain guest without macOS parts that the schema accepts', async () => {
    const xml = emitDomainXml(LINUX);
    await expect(validate(xml)).resolves.toContain('validates');
    expect(xml).not.toContain('qemu:commandline');
    expect(xml).not.toContain('applesmc');
    const nodes = await parseXml(xml);
    expect(find(nodes, '/domain/devices/disk/target').map(([, a]) => a)).toEqual([
      { dev: 'vdb', bus: 'virtio' },
      { dev: 'vda', bus: 'virtio' },
    ]);
    expect(find(nodes, '/domain/devices/disk/driver')[1]?.[1]).toEqual({
      name: 'qemu',
      type: 'raw',
    });
    expect(find(nodes, '/domain/devices/interface')[0]?.[1]).toEqual({ type: 'bridge' });
    expect(find(nodes, '/domain/devices/interface/source')[0]?.[1]).toEqual({ bridge: 'br0' });
    expect(find(nodes, '/domain/devices/input').map(([, a]) => a.type)).toEqual([
      'tablet',
      'keyboard',
    ]);
    expect(find(nodes, '/domain/devices/hostdev')).toEqual([]);
    expect(find(nodes, '/domain/memoryBacking')).toEqual([]);
    expect(find(nodes, '/domain/cputune')).toEqual([]);
  });

  it('writes valid XML for macOS with host-passthrough and no NIC, and lone devices each on their own slot', async () => {
    const xml = emitDomainXml({
      ...MAC,
      macCpu: undefined,
      osk: undefined,
      network: null,
      hostdevs: quadroFunctions.slice(0, 2).map((address) => ({ address })),
    });
    await expect(validate(xml)).resolves.toContain('validates');
    const nodes = await parseXml(xml);
    expect(find(nodes, '/domain/cpu')[0]?.[1]).toEqual({
      mode: 'host-passthrough',
      check: 'none',
      migratable: 'on',
    });
    expect(find(nodes, '/domain/devices/interface')).toEqual([]);
    expect(
      find(nodes, '/domain/devices/hostdev/address').map(([, a]) => [
        a.bus,
        a.function,
        a.multifunction,
      ]),
    ).toEqual([
      ['0x01', '0x0', undefined],
      ['0x02', '0x0', undefined],
    ]);
    expect(find(nodes, '/domain/commandline/arg').map(([, a]) => a.value)).toEqual([
      '-smbios',
      'type=2',
    ]);
  });

  it('is checked by a validator that does reject a broken domain', async () => {
    const broken = emitDomainXml(LINUX).replace('<memballoon', '<bogus/>\n    <memballoon');
    await expect(validate(broken)).rejects.toThrow();
  });
});

describe('emitDomainXml refuses hostile or impossible input', () => {
  it.each<[string, Partial<DomainInput>]>([
    ['a name with markup', { name: "<name>x</name><uuid>'" }],
    ['a name with a path', { name: '../../etc/passwd' }],
    ['a hidden name', { name: '.hidden' }],
    ['a name like an option', { name: '-rf' }],
    ['a name with a space', { name: 'mac os' }],
    ['an empty name', { name: '' }],
    ['a 65-character name', { name: 'a'.repeat(65) }],
    ['a bad UUID', { uuid: "x' onload='y" }],
    ['a zvol path that leaves /dev/zvol', { systemDisk: '/dev/zvol/zroot/../../sda' }],
    ['a plain disk instead of a zvol', { systemDisk: '/dev/sda' }],
    ['a pool without a volume', { systemDisk: '/dev/zvol/zroot' }],
    ['a zvol path with a quote', { systemDisk: "/dev/zvol/zroot/mac'os" }],
    ['a zvol path with a newline', { systemDisk: '/dev/zvol/zroot/macos\n' }],
    ['a relative OpenCore path', { openCoreImage: 'OpenCore.qcow2' }],
    ['an OpenCore path with ..', { openCoreImage: '/var/lib/../../etc/shadow' }],
    ['an OpenCore path with markup', { openCoreImage: "/tmp/a'/><disk>" }],
    ['an OVMF path with a space', { ovmfCode: '/run/my ovmf/OVMF_CODE.fd' }],
    ['an OVMF vars path with a trailing slash', { ovmfVars: '/run/libvirt/' }],
    ['an OSK with a comma (a second QEMU option)', { osk: `${'a'.repeat(50)},romfile=/x12` }],
    ['an OSK of the wrong length', { osk: 'short' }],
    ['a network name with a quote', { network: { kind: 'network', name: "default'" } }],
    ['a topology that does not add up', { topology: { sockets: 1, cores: 3, threads: 2 } }],
    ['zero vCPUs', { vcpus: 0, topology: undefined }],
    ['a fractional memory size', { memoryMiB: 1024.5 }],
    ['a pin to a vCPU that does not exist', { cpuPinning: [{ vcpu: 8, hostCpu: 1 }] }],
    [
      'a vCPU pinned twice',
      {
        cpuPinning: [
          { vcpu: 1, hostCpu: 1 },
          { vcpu: 1, hostCpu: 2 },
        ],
      },
    ],
    ['a short hostdev address', { hostdevs: [{ address: '01:00.0' }] }],
    ['a hostdev address with markup', { hostdevs: [{ address: "0000:01:00.0'/>" }] }],
    [
      'the same hostdev twice',
      { hostdevs: [{ address: '0000:01:00.0' }, { address: '0000:01:00.0' }] },
    ],
    [
      'nine functions in one slot',
      {
        hostdevs: Array.from({ length: 9 }, (_, i) => ({
          address: `0000:0${i}:00.0`,
          multifunctionGroup: 'g',
        })),
      },
    ],
    [
      'a group key with markup',
      { hostdevs: [{ address: '0000:01:00.0', multifunctionGroup: '<g>' }] },
    ],
  ])('refuses %s', (_what, patch) => {
    expect(() => emitDomainXml({ ...MAC, ...patch })).toThrow(DomainXmlError);
  });
});
