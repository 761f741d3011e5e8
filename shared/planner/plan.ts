// plan(inventory, layout, context): the Steps that take this machine to the layout, each one verb
// with its preview and undo. Whatever is already realised is skipped, so a plan for a realised
// layout is empty; a layout with an error-severity diagnostic gets no steps at all.
import { analyzeSelection, machineAnalysisContext } from '../analysis/passthrough';
import { emitDomainXml, type DomainHostdev } from '../emit/libvirt-domain';
import type { VfioDevice, VfioModuleInput } from '../emit/vfio-module';
import { diagnostic, type Diagnostic } from '../model/diagnostic';
import { ParseError } from '../model/errors';
import { parseProcMounts, type MountEntry } from '../parse/mounts';
import type { Inventory } from '../model/inventory';
import { USB_CONTROLLER_CLASS, isDisplayClass } from '../model/pci-classes';
import { vfioEntryOf, type Layout, type NixosSystem } from '../model/layout';
import { PLAN_FORMAT, type Plan } from '../model/plan';
import { bootOnceOffer, type BootOnceEntry } from './boot-once';
import { mainSystemMode } from './main-origin';
import { newSystemConfiguration, newSystemModule } from './modules';
import {
  existingInitrdModules,
  existingKernelParams,
  mainRelease,
  ovmfPaths,
  staleFirmware,
} from './nixos-target';
import { planMain } from './plan-main';
import {
  DEFAULT_MOUNT_ROOT,
  FAKE_EFI_SIZE_BYTES,
  VM_XML_DIR,
  fakeEfiDataset,
  fakeEfiDevice,
  fakeEfiPartition,
  findDataset,
  grubEntryId,
  isManaged,
  isSystemInstalled,
  mainConfigurationPath,
  mainModulePath,
  secretCopies,
  systemMountPoint,
  systemName,
  vmXmlPath,
} from './planner-paths';
import { canonicalJson, sha256Hex } from '../ops/plan-identity';
import { StepList } from './step-list';
import { validate } from './validate';

export interface PlanContext {
  /** 16 hex digits; stamped as cohabit:journal on what the plan creates. */
  id: string;
  /** ISO time of planning. */
  now: string;
  /** Current content of each file the plan reads or writes (see planInputs); null = absent. */
  files: Record<string, string | null>;
  /** Whether each directory planInputs lists exists; a directory not listed counts as absent. */
  dirs?: Record<string, boolean>;
  mountRoot?: string;
}

/** The files and directories plan() needs to know about, for the side that reads the machine. */
export function planInputs(
  inventory: Inventory,
  layout: Layout,
  mountRoot = DEFAULT_MOUNT_ROOT,
): { files: string[]; dirs: string[] } {
  const files = [
    mainConfigurationPath(inventory),
    mainModulePath(inventory),
    mainSystemMode(inventory, layout).modulePath,
  ];
  for (const vm of layout.vms) files.push(vmXmlPath(vm.name));
  const dirs = [...ancestors(mountRoot), mountRoot];
  for (const s of layout.systems) {
    const root = systemMountPoint(mountRoot, systemName(s));
    dirs.push(root);
    // An install that did not finish left a dataset: what survived inside it is looked at, where
    // Cohabit mounts it (/proc/mounts says whether it is mounted there now).
    if (isUnfinishedInstall(inventory, s)) {
      files.push(PROC_MOUNTS, ...innerFiles(root));
      dirs.push(...innerDirs(root));
    }
  }
  dirs.push(...ancestors(VM_XML_DIR), VM_XML_DIR);
  return { files: [...new Set(files)], dirs: [...new Set(dirs)] };
}

const PROC_MOUNTS = '/proc/mounts';
const innerDirs = (root: string) => [`${root}/efi`, `${root}/etc`, `${root}/etc/nixos`];
const innerFiles = (root: string) => [
  `${root}/etc/nixos/configuration.nix`,
  `${root}/etc/nixos/cohabit.nix`,
];

/** The system's dataset exists and is Cohabit's, but the install never stamped it. */
function isUnfinishedInstall(inventory: Inventory, system: NixosSystem): boolean {
  const d = findDataset(inventory, system.dataset);
  return d !== undefined && isManaged(d, 'system') && !isSystemInstalled(inventory, system);
}

/** Where /proc/mounts says each target is mounted from; empty when it could not be read. */
function mountsByTarget(text: string | null | undefined): Map<string, MountEntry> {
  if (text === null || text === undefined) return new Map();
  try {
    return new Map(parseProcMounts(text).map((m) => [m.target, m]));
  } catch (error) {
    if (error instanceof ParseError) return new Map();
    throw error;
  }
}

// Every NixOS system has these; asking a recorded snapshot about them would only add noise.
const ALWAYS_PRESENT = new Set(['/var', '/var/lib']);

function ancestors(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  return parts
    .slice(0, -1)
    .map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)
    .filter((dir) => !ALWAYS_PRESENT.has(dir));
}

/**
 * The SHA-256 of every file content the plan may replace (all of them come from context.files),
 * taken once with Web Crypto before planning, so that the builder stays synchronous: each
 * file.write carries the hash of what it replaces, which the helper compares before writing.
 */
async function previousHashes(files: PlanContext['files']): Promise<Map<string, string>> {
  const contents = [...new Set(Object.values(files))].filter((c): c is string => c !== null);
  return new Map(await Promise.all(contents.map(async (c) => [c, await sha256Hex(c)] as const)));
}

/**
 * Async only for its hashes (Web Crypto's digest, the one SHA-256 of shared/ops/plan-identity.ts,
 * is async); everything else is computed from the arguments alone. Over 80 lines: the plan's parts
 * in the order they run (systems, volumes, the main system, VMs); issue 12 item 4 turns the
 * per-system planning into a builder.
 */
export async function plan(
  inventory: Inventory,
  layout: Layout,
  context: PlanContext,
): Promise<Plan> {
  const diagnostics = validate(inventory, layout);
  const base = {
    format: PLAN_FORMAT,
    id: context.id,
    createdAt: context.now,
    pool: layout.pool,
    layoutSha256: await sha256Hex(canonicalJson(layout)),
  } as const;
  if (diagnostics.some((d) => d.severity === 'error'))
    return { ...base, steps: [], diagnostics, nextSteps: [] };

  const list = new StepList(context.id, await previousHashes(context.files));
  const mountRoot = context.mountRoot ?? DEFAULT_MOUNT_ROOT;
  const dirs = { ...(context.dirs ?? {}) };
  const mkdirs = (path: string, element: string) => {
    for (const dir of [...ancestors(path), path]) {
      if (dirs[dir] === true) continue;
      list.add('fs.mkdir', { path: dir, mode: 0o755 }, `Create the directory ${dir}`, {
        element,
        text: `${path} must exist first.`,
      });
      dirs[dir] = true;
    }
  };
  const nextSteps: string[] = [];

  const survived: Survived = {
    mounts: mountsByTarget(context.files[PROC_MOUNTS]),
    files: context.files,
    dirs,
  };
  const menuEntries: BootOnceEntry[] = [];
  layout.systems.forEach((system, i) => {
    if (
      planSystem(inventory, system, `systems[${i}]`, list, mountRoot, mkdirs, survived, diagnostics)
    ) {
      nextSteps.push(
        `Reboot and choose "${system.label}" in the GRUB menu, then log in as ${system.user.name}.`,
      );
      menuEntries.push({ entryId: grubEntryId(system), label: system.label });
    }
  });

  layout.volumes.forEach((vol, i) => {
    const existing = findDataset(inventory, vol.dataset);
    if (existing !== undefined && isManaged(existing, 'vm-volume')) return;
    list.add(
      'zfs.createVolume',
      {
        dataset: vol.dataset,
        sizeBytes: vol.sizeBytes,
        volblocksizeBytes: vol.volblocksizeBytes,
        sparse: vol.provisioning === 'sparse',
        compression: vol.compression,
        role: 'vm-volume',
        system: vol.id,
      },
      `Create the ${vol.provisioning} volume ${vol.dataset}`,
      { element: `volumes[${i}]`, text: `The VM disk ${vol.id} of the layout.` },
    );
  });

  const vfio = vfioInput(inventory, layout);
  planMain(inventory, layout, vfio, {
    files: context.files,
    list,
    diagnostics,
    mkdirs,
    nextSteps,
  });

  const ovmf = ovmfPaths(mainRelease(inventory));
  layout.vms.forEach((vm, i) => {
    const volume = layout.volumes.find((vol) => vol.id === vm.volume);
    if (volume === undefined) return;
    const candidate = analyzeSelection(analysisContext(inventory, layout), vm.devices);
    const pci = new Map(inventory.pci.map((d) => [d.address, d]));
    const hostdevs: DomainHostdev[] = candidate.passTogether.map((address) => {
      const d = pci.get(address);
      const cls = d?.classCode ?? '';
      return {
        address,
        multifunctionGroup: d?.slot,
        kind: isDisplayClass(cls)
          ? 'gpu'
          : cls === USB_CONTROLLER_CLASS
            ? 'usb-controller'
            : 'other',
      };
    });
    const xml = emitDomainXml({
      name: vm.name,
      memoryMiB: vm.memoryMiB,
      vcpus: vm.vcpus,
      hugepages: vm.hugepages,
      systemDisk: `/dev/zvol/${volume.dataset}`,
      openCoreImage: vm.openCoreImage ?? `${VM_XML_DIR}/${vm.name}-opencore.img`,
      ovmfCode: ovmf.code,
      ovmfVars: ovmf.vars,
      hostdevs,
      macOS: vm.kind === 'macos',
    });
    const path = vmXmlPath(vm.name);
    const previous = context.files[path] ?? null;
    if (previous === xml) return;
    diagnostics.push(...staleFirmware(path, previous, `vms[${i}]`));
    mkdirs(VM_XML_DIR, `vms[${i}]`);
    list.write(path, xml, previous, `Write the libvirt definition of ${vm.name}`, {
      element: `vms[${i}]`,
      text: `The VM ${vm.name}: ${vm.vcpus} vCPUs, ${vm.memoryMiB} MiB, ${candidate.passTogether.join(', ') || 'no devices'}.`,
    });
    list.add(
      'libvirt.define',
      { name: vm.name, xmlPath: path },
      `Define the VM ${vm.name} in libvirt`,
      {
        element: `vms[${i}]`,
        text: 'libvirt reads the definition once; the file stays for reference.',
      },
    );
    nextSteps.push(
      vm.devices.length > 0 && vfioEntryOf(layout) === 'specialisation'
        ? `Reboot into the "vfio" entry of the GRUB menu (the default entry is the host as it was, without the binding), then start the VM with: virsh --connect qemu:///system start ${vm.name}`
        : `After the reboot, start the VM with: virsh --connect qemu:///system start ${vm.name}`,
    );
  });

  if (list.steps.some((s) => s.call.verb === 'nixos.rebuild'))
    nextSteps.unshift('Reboot: the main system boots the new generation with the changes above.');
  return {
    ...base,
    steps: list.steps,
    diagnostics,
    nextSteps: [...new Set(nextSteps)],
    ...(menuEntries.length > 0 ? { bootOnce: bootOnceOffer(inventory, menuEntries) } : {}),
  };
}

function analysisContext(inventory: Inventory, layout: Layout) {
  return machineAnalysisContext(inventory, { hostHeadless: layout.host.headless });
}

/** What an unfinished install left on the machine, as the host reported it. */
interface Survived {
  mounts: Map<string, MountEntry>;
  files: Record<string, string | null>;
  dirs: Record<string, boolean>;
}

/** Returns whether any step was added for the system (false when it is already installed). */
function planSystem(
  inventory: Inventory,
  system: NixosSystem,
  element: string,
  list: StepList,
  mountRoot: string,
  mkdirs: (path: string, element: string) => void,
  survived: Survived,
  diagnostics: Diagnostic[],
): boolean {
  if (isSystemInstalled(inventory, system)) return false;
  const why = (text: string) => ({ element, text });
  const ds = system.dataset;
  const root = systemMountPoint(mountRoot, systemName(system));
  const existing = findDataset(inventory, ds);
  // Inside the new root only a mounted dataset can be seen; unmounted, its content is unknown.
  const unfinished = isUnfinishedInstall(inventory, system);
  const rootMount = survived.mounts.get(root);
  const mountedHere = unfinished && rootMount?.source === ds;
  const elsewhere = [...survived.mounts.values()].find((m) => m.source === ds && m.target !== root);
  if (unfinished && !mountedHere && (existing?.mounted === true || elsewhere !== undefined)) {
    diagnostics.push(
      diagnostic(
        'system.mounted-elsewhere',
        'warning',
        `${ds} holds an install that did not finish and is mounted${elsewhere ? ` at ${elsewhere.target}` : ''}, not at ${root}.`,
        {
          subject: element,
          fix: `Unmount it (umount ${elsewhere?.target ?? ds}) and plan again; the plan below expects it unmounted.`,
        },
      ),
    );
  } else if (unfinished && !mountedHere) {
    diagnostics.push(
      diagnostic(
        'system.unfinished-unmounted',
        'info',
        `${ds} holds an install that did not finish. It is not mounted, so what is inside cannot be seen: the plan expects no etc/nixos or efi in it.`,
        {
          subject: element,
          fix: `If an earlier attempt got as far as writing files, mount it first (mount -t zfs ${ds} ${root}) and plan again: the plan then keeps what is there.`,
        },
      ),
    );
  }
  const seen = (dir: string) => mountedHere && survived.dirs[dir] === true;
  const previousFile = (path: string) => (mountedHere ? (survived.files[path] ?? null) : null);
  if (existing === undefined)
    list.add(
      'zfs.createDataset',
      { dataset: ds, role: 'system' },
      `Create the dataset ${ds}`,
      why(
        `"${system.label}" lives in its own dataset of the pool, mounted the legacy way like the main system's.`,
      ),
    );
  const esp = findDataset(inventory, fakeEfiDataset(ds));
  if (esp === undefined) {
    list.add(
      'zfs.createVolume',
      {
        dataset: fakeEfiDataset(ds),
        sizeBytes: FAKE_EFI_SIZE_BYTES,
        volblocksizeBytes: 4096,
        sparse: false,
        compression: 'lz4',
        role: 'system-esp',
        system: systemName(system),
      },
      `Create the 50 MiB fake ESP volume ${fakeEfiDataset(ds)}`,
      why(
        "NixOS's GRUB module needs an EFI system partition to install to; this small zvol is one the firmware never sees.",
      ),
    );
    list.add(
      'disk.waitForDevice',
      { path: fakeEfiDevice(ds), timeoutSeconds: 30 },
      "Wait for the volume's device node",
      why('udev creates /dev/zvol links a moment after zfs create.'),
    );
    list.add(
      'disk.partitionEsp',
      { device: fakeEfiDevice(ds) },
      'Give the fake ESP a GPT with one EF00 partition',
      why("GRUB's EFI install expects an EFI system partition."),
    );
    list.add(
      'disk.waitForDevice',
      { path: fakeEfiPartition(ds), timeoutSeconds: 30 },
      "Wait for the partition's device node",
      why('The kernel re-reads the partition table; udev then adds -part1.'),
    );
    list.add(
      'disk.mkfsFat',
      { device: fakeEfiPartition(ds), label: 'FAKEEFI' },
      'Format the fake ESP as FAT',
      why('An ESP is a FAT filesystem.'),
    );
  }
  if (!mountedHere) {
    mkdirs(root, element);
    list.add(
      'fs.mount',
      { source: ds, target: root, fstype: 'zfs', options: [] },
      `Mount ${ds} at ${root}`,
      why('nixos-install installs into a mounted root.'),
    );
  }
  if (!seen(`${root}/efi`))
    list.add(
      'fs.mkdir',
      { path: `${root}/efi`, mode: 0o755 },
      'Create the ESP mount point',
      why('The new system mounts its fake ESP at /efi.'),
    );
  // mount(8) records the ESP as /dev/zdNpM, not the /dev/zvol link: the target is what is compared.
  if (!(mountedHere && survived.mounts.get(`${root}/efi`)?.fstype === 'vfat'))
    list.add(
      'fs.mount',
      { source: fakeEfiPartition(ds), target: `${root}/efi`, fstype: 'vfat', options: [] },
      `Mount the fake ESP at ${root}/efi`,
      why("nixos-install puts GRUB's EFI files there."),
    );
  if (!seen(`${root}/etc`))
    list.add(
      'fs.mkdir',
      { path: `${root}/etc`, mode: 0o755 },
      'Create /etc in the new system',
      why('Cohabit writes the configuration before nixos-generate-config.'),
    );
  if (!seen(`${root}/etc/nixos`))
    list.add(
      'fs.mkdir',
      { path: `${root}/etc/nixos`, mode: 0o755 },
      'Create /etc/nixos in the new system',
      why('Cohabit writes the configuration before nixos-generate-config.'),
    );
  const writeInRoot = (name: string, content: string, title: string, text: string) => {
    const path = `${root}/etc/nixos/${name}`;
    const previous = previousFile(path);
    if (previous !== content) list.write(path, content, previous, title, why(text));
  };
  writeInRoot(
    'configuration.nix',
    newSystemConfiguration(system),
    "Write the new system's configuration.nix",
    'Written before nixos-generate-config, which keeps an existing configuration.nix and writes only hardware-configuration.nix, so this preview is exactly what is installed.',
  );
  writeInRoot(
    'cohabit.nix',
    newSystemModule(inventory, system),
    "Write the new system's cohabit.nix",
    'Boot from ZFS like the main system: LUKS, GRUB on the fake ESP, hostId, the user.',
  );
  list.add(
    'nixos.generateConfig',
    { root },
    "Detect the new system's hardware",
    why(
      'hardware-configuration.nix: the root dataset, the fake ESP and the kernel modules this machine needs.',
    ),
  );
  const nixos = inventory.os.nixos;
  if (system.copyFromMain.luks && nixos !== null) {
    for (const c of secretCopies(inventory))
      list.add(
        'file.copySecret',
        { source: c.source, target: `${root}${c.target}`, mode: 0o400 },
        `Copy the LUKS key file ${c.name} into the new system`,
        why(
          "boot.initrd.secrets reads it from the new system's own root when it builds the initrd.",
        ),
      );
  }
  list.add(
    'nixos.install',
    { root },
    `Install NixOS into ${ds}`,
    why(
      'Builds the system and writes its /boot/grub/grub.cfg, which the main GRUB chains to. The password comes from the layout, so no prompt.',
    ),
  );
  list.add(
    'zfs.setUserProp',
    { dataset: ds, property: 'cohabit:system', value: systemName(system), previous: null },
    'Mark the system as installed',
    why('The stamp tells the next plan that this system is complete.'),
  );
  list.add(
    'fs.unmount',
    { target: `${root}/efi`, source: fakeEfiPartition(ds), fstype: 'vfat', options: [] },
    'Unmount the fake ESP',
    why('Nothing stays mounted after the install.'),
  );
  list.add(
    'fs.unmount',
    { target: root, source: ds, fstype: 'zfs', options: [] },
    `Unmount ${ds}`,
    why('Nothing stays mounted after the install.'),
  );
  return true;
}

function vfioInput(inventory: Inventory, layout: Layout): VfioModuleInput | null {
  const devices: VfioDevice[] = [];
  let bindByAddress = false;
  const pci = new Map(inventory.pci.map((d) => [d.address, d]));
  for (const vm of layout.vms) {
    if (vm.devices.length === 0) continue;
    const candidate = analyzeSelection(analysisContext(inventory, layout), vm.devices);
    bindByAddress ||= candidate.bindByAddress;
    for (const address of candidate.passTogether) {
      const d = pci.get(address);
      if (d === undefined || devices.some((x) => x.address === address)) continue;
      devices.push({
        address,
        vendorId: d.vendorId,
        deviceId: d.deviceId,
        classCode: d.classCode,
        hostDriver: d.driver,
      });
    }
  }
  if (layout.vms.length === 0) return null;
  const hugepagesMiB = layout.vms
    .filter((vm) => vm.hugepages)
    .reduce((sum, vm) => sum + vm.memoryMiB, 0);
  return {
    cpuVendor: inventory.cpu?.vendor ?? 'other',
    devices,
    bindByAddress,
    hugepages: hugepagesMiB > 0 ? { sizeKiB: 2048, count: Math.ceil(hugepagesMiB / 2) } : null,
    libvirt: true,
    existingKernelParams: existingKernelParams(inventory),
    existingInitrdModules: existingInitrdModules(inventory),
  };
}
