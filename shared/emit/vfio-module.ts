// The NixOS module that hands the chosen PCI devices to vfio-pci at boot and sets up libvirt
// (issue "Passthrough", item 4). Every option it sets carries a comment saying why.
import { PCI_ADDRESS_RE } from '../model/inventory';
import { AUDIO_DEVICE_CLASS, GPU_CLASSES, USB_CONTROLLER_CLASS } from '../model/pci-classes';
import {
  emitNixModule,
  mkIf,
  multiline,
  NixCommented,
  nixRaw,
  withComment,
  type NixAttrs,
  type NixValue,
} from './nix';

/** The input cannot be turned into a safe module (a malformed ID, address, driver or user name). */
export class VfioModuleError extends Error {
  override readonly name = 'VfioModuleError';
  constructor(
    /** Which input field, e.g. `devices[1].vendorId`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface VfioDevice {
  /** Full PCI address with domain, as sysfs writes it: `0000:01:00.0`. */
  address: string;
  vendorId: string;
  deviceId: string;
  /** Class and subclass, four hex digits (`0300`, `0403`, `0c03`). */
  classCode: string;
  /** The driver that claims the device today as sysfs names it (`nvidia`, `xhci_hcd`...), or null. */
  hostDriver: string | null;
}

export interface VfioModuleInput {
  cpuVendor: 'intel' | 'amd' | 'other';
  devices: VfioDevice[];
  /** An ID is shared with a device that stays with the host: bind by PCI address instead of by ID. */
  bindByAddress: boolean;
  hugepages?: { sizeKiB: 2048 | 1048576; count: number } | null;
  /** Enable virtualisation.libvirtd. */
  libvirt: boolean;
  /** Added to the libvirtd group (as its members: the users themselves are the user's to declare). */
  users?: string[];
  /** An emulated TPM for guests (virtualisation.libvirtd.qemu.swtpm.enable). */
  swtpm?: boolean;
  /** Install virt-manager (programs.virt-manager.enable). */
  virtManager?: boolean;
  /** Kernel parameters the configuration already has: not written again. */
  existingKernelParams?: readonly string[];
  /** boot.initrd.kernelModules the configuration already has: not written again. */
  existingInitrdModules?: readonly string[];
}

/** The name of the stage-1 unit that binds by address under systemd stage 1. */
export const VFIO_BIND_UNIT = 'cohabit-vfio-bind';

const HEX4_RE = /^[0-9a-f]{4}$/;
// Kernel module and sysfs driver names: letters, digits, `_` and `-`. Anything else could break out
// of a modprobe.d line (a newline starts a new directive).
const DRIVER_RE = /^[A-Za-z0-9_-]{1,64}$/;
// useradd's default NAME_REGEX, which NixOS user names follow in practice.
const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
const MAX_HUGEPAGES = 1 << 24;

// sysfs shows a driver's own name, which is not always its module's name: xhci-pci registers as
// `xhci_hcd`, ehci-pci as `ehci-pci`, i2c-nvidia-gpu (the UCSI function of NVIDIA cards) as
// `nvidia-gpu`. softdep needs module names (modprobe treats `-` and `_` alike).
const MODULE_OF_DRIVER: Readonly<Record<string, string>> = {
  xhci_hcd: 'xhci_pci',
  'ehci-pci': 'ehci_pci',
  'ohci-pci': 'ohci_pci',
  uhci_hcd: 'uhci_hcd',
  'nvidia-gpu': 'i2c_nvidia_gpu',
  snd_hda_intel: 'snd_hda_intel',
};

/**
 * The drivers that would claim a device of this class and vendor if vfio-pci were not loaded
 * first, even when none claims it today (a driver installed later, nouveau vs nvidia). Display
 * classes by vendor: NVIDIA nvidia/nouveau, AMD amdgpu/radeon, Intel i915/xe; HD-audio functions
 * snd_hda_intel; USB controllers xhci_pci (the PCI glue of xHCI).
 */
function likelyDrivers(device: VfioDevice): string[] {
  const gpu = GPU_CLASSES.has(device.classCode);
  if (gpu && device.vendorId === '10de') return ['nvidia', 'nouveau'];
  if (gpu && device.vendorId === '1002') return ['amdgpu', 'radeon'];
  if (gpu && device.vendorId === '8086') return ['i915', 'xe'];
  if (device.classCode === AUDIO_DEVICE_CLASS) return ['snd_hda_intel'];
  if (device.classCode === USB_CONTROLLER_CLASS) return ['xhci_pci'];
  return [];
}

function checkDevices(devices: readonly VfioDevice[]): VfioDevice[] {
  if (devices.length === 0) throw new VfioModuleError('devices', 'no device to pass through');
  const seen = new Set<string>();
  return devices.map((device, i) => {
    const at = `devices[${i}]`;
    if (!PCI_ADDRESS_RE.test(device.address)) {
      throw new VfioModuleError(
        `${at}.address`,
        `"${device.address}" is not a full PCI address like 0000:01:00.0`,
      );
    }
    if (seen.has(device.address))
      throw new VfioModuleError(`${at}.address`, `${device.address} is listed twice`);
    seen.add(device.address);
    for (const field of ['vendorId', 'deviceId', 'classCode'] as const) {
      if (!HEX4_RE.test(device[field])) {
        throw new VfioModuleError(
          `${at}.${field}`,
          `"${device[field]}" is not four lowercase hex digits`,
        );
      }
    }
    if (device.hostDriver !== null && !DRIVER_RE.test(device.hostDriver)) {
      throw new VfioModuleError(`${at}.hostDriver`, `"${device.hostDriver}" is not a driver name`);
    }
    return device;
  });
}

/** vendor:device pairs, de-duplicated, in the order of the devices. */
function vfioIds(devices: readonly VfioDevice[]): string[] {
  return [...new Set(devices.map((d) => `${d.vendorId}:${d.deviceId}`))];
}

/** Module names to order after vfio-pci, in first-seen order, vfio-pci itself left out. */
function softdepModules(devices: readonly VfioDevice[]): string[] {
  const modules = new Set<string>();
  for (const device of devices) {
    for (const name of likelyDrivers(device)) modules.add(name);
    if (device.hostDriver !== null) {
      modules.add(MODULE_OF_DRIVER[device.hostDriver] ?? device.hostDriver.replace(/-/g, '_'));
    }
  }
  modules.delete('vfio_pci');
  return [...modules];
}

/**
 * Stage-1 shell text that sets driver_override for each address, then asks the PCI core to probe
 * the device again so that vfio-pci (already loaded from boot.initrd.kernelModules) takes it.
 * It runs before udev's coldplug: in the scripted initrd as boot.initrd.preDeviceCommands
 * (stage-1-init.sh: the modprobe loop, then preDeviceCommands, then systemd-udevd), and under
 * systemd stage 1 as a unit ordered after systemd-modules-load.service and before
 * systemd-udev-trigger.service. Once driver_override is set, no other driver matches the device,
 * whatever udev loads later. A device that a driver already holds (one listed in
 * boot.initrd.kernelModules) is left alone: unbinding a GPU from its driver can hang the machine.
 * Built only from addresses that matched PCI_ADDRESS_RE, so every word is [0-9a-f:.] and the text
 * holds no quote, `$(`, `${`, `@` (stage-1 substitutes `@name@` placeholders) or newline.
 */
function driverOverrideScript(addresses: readonly string[]): string {
  for (const address of addresses) {
    if (!PCI_ADDRESS_RE.test(address))
      throw new VfioModuleError('devices', `"${address}" is not a PCI address`);
  }
  return [
    '# Cohabit: give these PCI devices to vfio-pci by address, before udev loads their host drivers.',
    `for dev in ${addresses.join(' ')}; do`,
    '  if [ ! -e "/sys/bus/pci/devices/$dev" ]; then',
    '    echo "cohabit: PCI device $dev not found, not binding it to vfio-pci"',
    '    continue',
    '  fi',
    '  echo vfio-pci > "/sys/bus/pci/devices/$dev/driver_override"',
    '  if [ -e "/sys/bus/pci/devices/$dev/driver" ]; then',
    '    echo "cohabit: PCI device $dev already has a driver, left as it is"',
    '  else',
    '    echo "$dev" > /sys/bus/pci/drivers_probe',
    '  fi',
    'done',
    '',
  ].join('\n');
}

/** The items whose string value `present` says the configuration already has. */
function without(items: readonly NixValue[], present: (value: string) => boolean): NixValue[] {
  return items.filter((item) => {
    const inner = item instanceof NixCommented ? item.value : item;
    return !(typeof inner === 'string' && present(inner));
  });
}

function modprobeConfig(ids: readonly string[] | null, softdeps: readonly string[]): string {
  const lines: string[] = [];
  if (ids !== null) {
    lines.push('# vfio-pci claims these vendor:device IDs as soon as it loads.');
    lines.push(`options vfio-pci ids=${ids.join(',')}`);
  }
  for (const module of softdeps) {
    lines.push(
      `# Load vfio-pci before ${module}, so that ${module} finds the passed device already taken.`,
    );
    lines.push(`softdep ${module} pre: vfio-pci`);
  }
  return `${lines.join('\n')}\n`;
}

function checkUsers(users: readonly string[]): string[] {
  users.forEach((user, i) => {
    if (!USER_RE.test(user))
      throw new VfioModuleError(`users[${i}]`, `"${user}" is not a user name`);
  });
  if (new Set(users).size !== users.length)
    throw new VfioModuleError('users', 'a user is listed twice');
  return [...users];
}

/**
 * What binds the devices to vfio-pci at boot (kernel parameters, initrd modules, modprobe
 * configuration, the stage-1 binding by address, huge pages): the part the planner puts in a
 * specialisation by default, for the planner to merge into /etc/nixos/cohabit.nix. Parameters and
 * modules the configuration already has are left out (NixOS would list them twice). Over 80
 * lines because each option carries the comment that explains it to the reader of the diff.
 */
export function vfioBindingBody(input: VfioModuleInput): NixAttrs {
  const devices = checkDevices(input.devices);
  checkUsers(input.users ?? []);
  const hugepages = input.hugepages ?? null;
  if (hugepages !== null) {
    if (hugepages.sizeKiB !== 2048 && hugepages.sizeKiB !== 1048576) {
      throw new VfioModuleError('hugepages.sizeKiB', 'huge pages are 2048 KiB or 1048576 KiB');
    }
    if (
      !Number.isSafeInteger(hugepages.count) ||
      hugepages.count < 1 ||
      hugepages.count > MAX_HUGEPAGES
    ) {
      throw new VfioModuleError(
        'hugepages.count',
        `${hugepages.count} is not a positive page count`,
      );
    }
  }

  const ids = input.bindByAddress ? null : vfioIds(devices);
  const kernelParams: NixValue[] = [];
  if (input.cpuVendor === 'intel') {
    kernelParams.push(
      withComment(
        'Intel IOMMU (VT-d) stays off unless asked for; AMD turns its own on by default.',
        'intel_iommu=on',
      ),
    );
  }
  kernelParams.push(
    withComment(
      "Pass-through mode: the host's own devices skip IOMMU translation and keep their speed.",
      'iommu=pt',
    ),
  );
  if (ids !== null) {
    kernelParams.push(
      withComment(
        'vfio-pci takes these devices by ID even when it is built into the kernel.',
        `vfio-pci.ids=${ids.join(',')}`,
      ),
    );
  }
  if (hugepages !== null && hugepages.sizeKiB === 1048576) {
    kernelParams.push(
      withComment(
        'Huge pages default to 1 GiB, so hugetlbfs (and libvirt) use them.',
        'default_hugepagesz=1G',
      ),
    );
    kernelParams.push(
      withComment(
        '1 GiB pages can only be reserved at boot, before memory fragments.',
        'hugepagesz=1G',
      ),
    );
    kernelParams.push(
      withComment(`${hugepages.count} GiB for the VM's memory.`, `hugepages=${hugepages.count}`),
    );
  }

  const existingModules = new Set(
    (input.existingInitrdModules ?? []).map((m) => m.replace(/-/g, '_')),
  );
  const boot: NixAttrs = {};
  const newParams = without(kernelParams, (p) => (input.existingKernelParams ?? []).includes(p));
  if (newParams.length > 0) boot.kernelParams = newParams;
  const initrd: NixAttrs = {
    kernelModules: without(
      [
        withComment(
          'The VFIO driver for PCI devices, loaded in the initrd before udev loads any GPU driver.',
          'vfio_pci',
        ),
        withComment(
          'VFIO core; since Linux 6.2 it holds virqfd, which is no longer a module of its own.',
          'vfio',
        ),
        withComment('The IOMMU backend VFIO uses on x86.', 'vfio_iommu_type1'),
      ],
      (m) => existingModules.has(m),
    ),
  };
  boot.initrd = initrd;
  boot.extraModprobeConfig = withComment(
    'NixOS sorts module lists, so order alone cannot make vfio-pci win: softdep does.',
    multiline(modprobeConfig(ids, softdepModules(devices))),
  );
  if (input.bindByAddress) {
    const script = driverOverrideScript(devices.map((d) => d.address));
    // nixRaw: trusted code of ours, no data in it.
    initrd.preDeviceCommands = withComment(
      'A device the host keeps has the same ID, so bind by PCI address (driver_override) instead of by ID. The scripted initrd runs this before udev; systemd stage 1 rejects preDeviceCommands, so it is defined only without it.',
      mkIf(nixRaw('!config.boot.initrd.systemd.enable'), multiline(script)),
    );
    initrd.systemd = {
      services: {
        [VFIO_BIND_UNIT]: withComment(
          'The same binding under systemd stage 1 (the default since NixOS 26.05): after the initrd modules are loaded, before udev coldplugs the devices.',
          mkIf(nixRaw('config.boot.initrd.systemd.enable'), {
            description: 'Bind the passed-through PCI devices to vfio-pci by address (Cohabit)',
            wantedBy: ['sysinit.target'],
            after: ['systemd-modules-load.service'],
            before: ['systemd-udev-trigger.service', 'sysinit.target'],
            unitConfig: { DefaultDependencies: false },
            serviceConfig: { Type: 'oneshot', RemainAfterExit: true },
            script: multiline(script),
          }),
        ),
      },
    };
  }
  if (hugepages !== null && hugepages.sizeKiB === 2048) {
    boot.kernel = {
      sysctl: {
        'vm.nr_hugepages': withComment(
          `${hugepages.count} pages of 2 MiB reserved for the VM's memory.`,
          hugepages.count,
        ),
      },
    };
  }

  return { boot };
}

/** libvirt, virt-manager and the libvirtd group: what runs the VM, in the default boot entry. */
export function libvirtBody(input: VfioModuleInput): NixAttrs {
  const users = checkUsers(input.users ?? []);
  const body: NixAttrs = {};
  if (input.libvirt) {
    const qemu: NixAttrs = {};
    if (input.swtpm === true) {
      qemu.swtpm = { enable: withComment('An emulated TPM 2.0 for guests that want one.', true) };
    }
    const libvirtd: NixAttrs = {
      enable: withComment(
        'libvirt runs the VM; the OVMF firmware images come with QEMU (NixOS 25.11 and later).',
        true,
      ),
    };
    if (Object.keys(qemu).length > 0) libvirtd.qemu = qemu;
    body.virtualisation = { libvirtd };
    if (input.virtManager === true) {
      body.programs = { 'virt-manager': { enable: withComment('A desktop UI for the VM.', true) } };
    }
  }
  if (users.length > 0) {
    body.users = {
      groups: {
        libvirtd: {
          members: withComment(
            'Members of libvirtd manage VMs without root. Listed as group members, so a user declared elsewhere (or not by NixOS at all) is not redeclared.',
            users,
          ),
        },
      },
    };
  }
  return body;
}

/** The whole module: the binding and libvirt together (one boot entry). */
export function vfioModuleBody(input: VfioModuleInput): NixAttrs {
  return { ...vfioBindingBody(input), ...libvirtBody(input) };
}

/** A complete module file for /etc/nixos (or a flake's modules list). */
export function emitVfioModule(input: VfioModuleInput): string {
  return emitNixModule(vfioModuleBody(input), {
    header:
      'VFIO passthrough and libvirt, written by Cohabit. Changes here are overwritten when Cohabit applies a new plan.',
  });
}
