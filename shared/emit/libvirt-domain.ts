// libvirt domain XML for a VM on a zvol with passed-through PCI devices, macOS-ready (issue
// "Passthrough", item 5). Element names follow libvirt's formatdomain docs and domaincommon.rng.
import { PCI_ADDRESS_RE } from '../model/inventory';
import { el, renderXml, xmlComment, type XmlElement } from './xml';

/** The input cannot be turned into a safe domain definition. */
export class DomainXmlError extends Error {
  override readonly name = 'DomainXmlError';
  constructor(
    /** Which input field, e.g. `hostdevs[2].address`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface DomainHostdev {
  /** Host PCI address with domain: `0000:01:00.0`. */
  address: string;
  /** Devices with the same key share one guest slot as its functions (a GPU's VGA, audio, USB...). */
  multifunctionGroup?: string;
  /** What the device is; a passed USB controller makes the emulated USB tablet unnecessary. */
  kind?: 'gpu' | 'usb-controller' | 'other';
}

export interface DomainInput {
  /** [A-Za-z0-9_.-]{1,64}, not starting with `.` or `-`. */
  name: string;
  uuid?: string;
  memoryMiB: number;
  vcpus: number;
  topology?: { sockets: number; cores: number; threads: number };
  cpuPinning?: { vcpu: number; hostCpu: number }[];
  hugepages?: boolean;
  /** `/dev/zvol/POOL/NAME`. */
  systemDisk: string;
  /** The user's OpenCore image (qcow2 or raw), an absolute path. */
  openCoreImage: string;
  /** Default: from the file name (`.qcow2` is qcow2, anything else raw). */
  openCoreFormat?: 'qcow2' | 'raw';
  /** Firmware code (read-only pflash) and the variables template libvirt copies per VM. */
  ovmfCode: string;
  ovmfVars: string;
  hostdevs: DomainHostdev[];
  macOS: boolean;
  /** Apple's OSK string for isa-applesmc; the user supplies it, Cohabit never ships it. */
  osk?: string;
  /** macOS CPU model: the host's CPU as is, or Penryn with the flags OSX-KVM uses. Default host-passthrough. */
  macCpu?: 'host-passthrough' | 'penryn';
  /** The NIC's network; default libvirt's `default` network; null for no NIC. */
  network?: { kind: 'network' | 'bridge'; name: string } | null;
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// ZFS dataset name components (zfs_namecheck.c: alphanumerics and `_ - . :`); the pool begins with
// a letter. `.` and `..` are refused as components so that the path cannot leave /dev/zvol.
const ZFS_COMPONENT_RE = /^[A-Za-z0-9_.:-]+$/;
const POOL_RE = /^[A-Za-z][A-Za-z0-9_.:-]*$/;
// Files: absolute, plain characters only (store paths and home directories fit), no `.`/`..` segment.
const FILE_SEGMENT_RE = /^[A-Za-z0-9_.+@,=-]+$/;
const NET_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;
// Apple's OSK is 64 printable ASCII characters. QEMU splits -device options at `,`, so a comma
// (which the real key does not hold) would add options; it is refused.
const OSK_RE = /^[\x20-\x2b\x2d-\x7e]{64}$/;
const GROUP_KEY_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_FUNCTIONS = 8;
// The guest buses behind our root ports start here; libvirt numbers its own extra ports after ours.
const FIRST_ROOT_PORT_INDEX = 1;

function checkFilePath(path: string, field: string): string {
  const segments = path.split('/');
  const ok =
    path.startsWith('/') &&
    path.length <= 4096 &&
    segments.slice(1).every((s) => FILE_SEGMENT_RE.test(s) && s !== '.' && s !== '..');
  if (!ok) {
    throw new DomainXmlError(
      field,
      `"${path}" is not an absolute path of plain characters (A-Z a-z 0-9 _ . + @ , = -)`,
    );
  }
  return path;
}

function checkZvolPath(path: string): string {
  const prefix = '/dev/zvol/';
  const parts = path.startsWith(prefix) ? path.slice(prefix.length).split('/') : [];
  const [pool, ...rest] = parts;
  const ok =
    pool !== undefined &&
    POOL_RE.test(pool) &&
    rest.length > 0 &&
    path.length <= 256 + prefix.length &&
    rest.every((c) => ZFS_COMPONENT_RE.test(c) && c !== '.' && c !== '..');
  if (!ok)
    throw new DomainXmlError('systemDisk', `"${path}" is not a zvol path like /dev/zvol/POOL/NAME`);
  return path;
}

function checkCount(value: number, field: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new DomainXmlError(field, `${value} is not a whole number from ${min} to ${max}`);
  }
  return value;
}

/** `0000:01:00.0` as libvirt's address attributes. */
function pciAddressAttrs(address: string): {
  domain: string;
  bus: string;
  slot: string;
  function: string;
} {
  const match = /^([0-9a-f]+):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(address);
  if (match === null) throw new DomainXmlError('hostdevs', `"${address}" is not a PCI address`);
  const [, domain = '', bus = '', slot = '', fn = ''] = match;
  return { domain: `0x${domain}`, bus: `0x${bus}`, slot: `0x${slot}`, function: `0x${fn}` };
}

/** Hostdevs grouped into guest slots: one slot per multifunction group, one per lone device. */
function guestSlots(hostdevs: readonly DomainHostdev[]): DomainHostdev[][] {
  const seen = new Set<string>();
  const slots: DomainHostdev[][] = [];
  const byGroup = new Map<string, DomainHostdev[]>();
  hostdevs.forEach((dev, i) => {
    if (!PCI_ADDRESS_RE.test(dev.address)) {
      throw new DomainXmlError(
        `hostdevs[${i}].address`,
        `"${dev.address}" is not a full PCI address like 0000:01:00.0`,
      );
    }
    if (seen.has(dev.address))
      throw new DomainXmlError(`hostdevs[${i}].address`, `${dev.address} is listed twice`);
    seen.add(dev.address);
    if (dev.multifunctionGroup === undefined) {
      slots.push([dev]);
      return;
    }
    if (!GROUP_KEY_RE.test(dev.multifunctionGroup)) {
      throw new DomainXmlError(
        `hostdevs[${i}].multifunctionGroup`,
        'a group key is 1-64 characters A-Z a-z 0-9 _ . : -',
      );
    }
    let group = byGroup.get(dev.multifunctionGroup);
    if (group === undefined) {
      group = [];
      byGroup.set(dev.multifunctionGroup, group);
      slots.push(group);
    }
    group.push(dev);
    if (group.length > MAX_FUNCTIONS) {
      throw new DomainXmlError(
        `hostdevs[${i}].multifunctionGroup`,
        `a guest slot holds at most ${MAX_FUNCTIONS} functions`,
      );
    }
  });
  // Inside a slot, keep the host's function order so that function 0 (the VGA) stays function 0.
  for (const slot of slots)
    slot.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return slots;
}

/** The domain XML text, ready for `virsh define`. */
// Long because it writes the domain element by element in the order libvirt's schema wants, each
// with its reason; split, that order would be spread over functions.
export function emitDomainXml(input: DomainInput): string {
  if (!NAME_RE.test(input.name)) {
    throw new DomainXmlError(
      'name',
      'a VM name is 1-64 characters A-Z a-z 0-9 _ . - and does not start with . or -',
    );
  }
  if (input.uuid !== undefined && !UUID_RE.test(input.uuid))
    throw new DomainXmlError('uuid', `"${input.uuid}" is not a UUID`);
  const memoryMiB = checkCount(input.memoryMiB, 'memoryMiB', 64, 16 * 1024 * 1024);
  const vcpus = checkCount(input.vcpus, 'vcpus', 1, 4096);
  const topology = input.topology;
  if (topology !== undefined) {
    checkCount(topology.sockets, 'topology.sockets', 1, 4096);
    checkCount(topology.cores, 'topology.cores', 1, 4096);
    checkCount(topology.threads, 'topology.threads', 1, 4096);
    // libvirt refuses a topology whose product differs from the vCPU count.
    if (topology.sockets * topology.cores * topology.threads !== vcpus) {
      throw new DomainXmlError(
        'topology',
        `sockets x cores x threads must equal the ${vcpus} vCPUs`,
      );
    }
  }
  const pinning = input.cpuPinning ?? [];
  const pinned = new Set<number>();
  pinning.forEach((pin, i) => {
    checkCount(pin.vcpu, `cpuPinning[${i}].vcpu`, 0, vcpus - 1);
    checkCount(pin.hostCpu, `cpuPinning[${i}].hostCpu`, 0, 8191);
    if (pinned.has(pin.vcpu))
      throw new DomainXmlError(`cpuPinning[${i}].vcpu`, `vCPU ${pin.vcpu} is pinned twice`);
    pinned.add(pin.vcpu);
  });
  const systemDisk = checkZvolPath(input.systemDisk);
  const openCore = checkFilePath(input.openCoreImage, 'openCoreImage');
  const ovmfCode = checkFilePath(input.ovmfCode, 'ovmfCode');
  const ovmfVars = checkFilePath(input.ovmfVars, 'ovmfVars');
  const openCoreFormat = input.openCoreFormat ?? (openCore.endsWith('.qcow2') ? 'qcow2' : 'raw');
  if (input.osk !== undefined && !OSK_RE.test(input.osk)) {
    throw new DomainXmlError('osk', 'the OSK is 64 printable ASCII characters without a comma');
  }
  const network =
    input.network === undefined ? { kind: 'network' as const, name: 'default' } : input.network;
  if (network !== null && !NET_NAME_RE.test(network.name)) {
    throw new DomainXmlError('network.name', `"${network.name}" is not a network or bridge name`);
  }
  const slots = guestSlots(input.hostdevs);
  const passesGpu = input.hostdevs.some((d) => d.kind === 'gpu');
  const passesUsb = input.hostdevs.some((d) => d.kind === 'usb-controller');
  const penryn = input.macOS && input.macCpu === 'penryn';

  // macOS has AHCI drivers in every release OpenCore boots, while its virtio-blk support is recent
  // and partial; other guests get virtio, the fastest bus.
  const diskBus = input.macOS ? 'sata' : 'virtio';
  const devName = (n: number) =>
    diskBus === 'sata' ? `sd${'ab'.charAt(n)}` : `vd${'ab'.charAt(n)}`;

  const rootPorts = slots.map((_, i) =>
    el('controller', { type: 'pci', index: FIRST_ROOT_PORT_INDEX + i, model: 'pcie-root-port' }),
  );
  const hostdevs = slots.flatMap((slot, i) =>
    slot.map((dev, fn) =>
      el(
        'hostdev',
        { mode: 'subsystem', type: 'pci', managed: 'yes' },
        el('source', {}, el('address', pciAddressAttrs(dev.address))),
        el('address', {
          type: 'pci',
          domain: '0x0000',
          bus: `0x${(FIRST_ROOT_PORT_INDEX + i).toString(16).padStart(2, '0')}`,
          slot: '0x00',
          function: `0x${fn}`,
          multifunction: fn === 0 && slot.length > 1 ? 'on' : undefined,
        }),
      ),
    ),
  );

  const cpu = penryn
    ? // The -cpu argument below replaces the model; libvirt still passes the topology.
      el(
        'cpu',
        { mode: 'custom', match: 'exact', check: 'none' },
        el('model', { fallback: 'allow' }, 'Penryn'),
        topologyEl(topology),
      )
    : el(
        'cpu',
        { mode: 'host-passthrough', check: 'none', migratable: 'on' },
        topologyEl(topology),
      );

  const qemuArgs: string[] = [];
  if (input.macOS && input.osk !== undefined)
    qemuArgs.push('-device', `isa-applesmc,osk=${input.osk}`);
  if (input.macOS) qemuArgs.push('-smbios', 'type=2');
  if (penryn) {
    // OSX-KVM's CPU line (macOS-libvirt-Catalina.xml): Penryn with the flags macOS checks for.
    qemuArgs.push(
      '-cpu',
      'Penryn,kvm=on,vendor=GenuineIntel,+invtsc,vmware-cpuid-freq=on,+ssse3,+sse4.2,+popcnt,+avx,+aes,+xsave,+xsaveopt,check',
    );
  }

  const domain: XmlElement = el(
    'domain',
    {
      type: 'kvm',
      'xmlns:qemu': qemuArgs.length > 0 ? 'http://libvirt.org/schemas/domain/qemu/1.0' : undefined,
    },
    el('name', {}, input.name),
    input.uuid !== undefined && el('uuid', {}, input.uuid.toLowerCase()),
    el('memory', { unit: 'MiB' }, String(memoryMiB)),
    el('currentMemory', { unit: 'MiB' }, String(memoryMiB)),
    input.hugepages === true && el('memoryBacking', {}, el('hugepages')),
    el('vcpu', { placement: 'static' }, String(vcpus)),
    pinning.length > 0 &&
      el(
        'cputune',
        {},
        ...[...pinning]
          .sort((a, b) => a.vcpu - b.vcpu)
          .map((p) => el('vcpupin', { vcpu: p.vcpu, cpuset: String(p.hostCpu) })),
      ),
    el(
      'os',
      {},
      el('type', { arch: 'x86_64', machine: 'q35' }, 'hvm'),
      el('loader', { readonly: 'yes', type: 'pflash' }, ovmfCode),
      // No path: libvirt copies the template to its own nvram directory, one copy per VM.
      el('nvram', { template: ovmfVars }),
    ),
    el('features', {}, el('acpi'), el('apic')),
    cpu,
    el(
      'clock',
      { offset: 'utc' },
      el('timer', { name: 'rtc', tickpolicy: 'catchup' }),
      el('timer', { name: 'pit', tickpolicy: 'delay' }),
      el('timer', { name: 'hpet', present: 'no' }),
    ),
    el('on_poweroff', {}, 'destroy'),
    el('on_reboot', {}, 'restart'),
    el('on_crash', {}, 'destroy'),
    el(
      'devices',
      {},
      xmlComment('The system disk: the zvol as a raw block device, no host page cache.'),
      el(
        'disk',
        { type: 'block', device: 'disk' },
        el('driver', { name: 'qemu', type: 'raw', cache: 'none', io: 'native', discard: 'unmap' }),
        el('source', { dev: systemDisk }),
        el('target', { dev: devName(1), bus: diskBus }),
        el('boot', { order: 2 }),
      ),
      xmlComment('The boot loader image (OpenCore for macOS), booted first.'),
      el(
        'disk',
        { type: 'file', device: 'disk' },
        el('driver', { name: 'qemu', type: openCoreFormat }),
        el('source', { file: openCore }),
        el('target', { dev: devName(0), bus: diskBus }),
        el('boot', { order: 1 }),
      ),
      el('controller', { type: 'pci', index: 0, model: 'pcie-root' }),
      rootPorts.length > 0 &&
        xmlComment(
          'One root port per passed-through slot; a GPU keeps its functions together on it.',
        ),
      ...rootPorts,
      ...hostdevs,
      network !== null &&
        el(
          'interface',
          { type: network.kind },
          el(
            'source',
            network.kind === 'network' ? { network: network.name } : { bridge: network.name },
          ),
          // macOS has drivers for vmxnet3 built in (OSX-KVM's choice); other guests get virtio.
          el('model', { type: input.macOS ? 'vmxnet3' : 'virtio' }),
        ),
      !passesUsb && el('input', { type: 'tablet', bus: 'usb' }),
      !passesUsb && el('input', { type: 'keyboard', bus: 'usb' }),
      // With a passed GPU the guest drives the real screen; an emulated one would be a second display.
      !passesGpu &&
        el('graphics', { type: 'vnc', port: '-1', autoport: 'yes', listen: '127.0.0.1' }),
      el('video', {}, el('model', { type: passesGpu ? 'none' : 'vga' })),
      el('memballoon', { model: 'none' }),
    ),
    qemuArgs.length > 0 &&
      el('qemu:commandline', {}, ...qemuArgs.map((value) => el('qemu:arg', { value }))),
  );
  return `<?xml version='1.0' encoding='UTF-8'?>\n${renderXml(domain)}`;
}

function topologyEl(topology: DomainInput['topology']): XmlElement | undefined {
  if (topology === undefined) return undefined;
  return el('topology', {
    sockets: topology.sockets,
    dies: 1,
    cores: topology.cores,
    threads: topology.threads,
  });
}
