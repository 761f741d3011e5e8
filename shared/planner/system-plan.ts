// The steps that install one extra NixOS system, as a builder: each phase of the recipe (the
// dataset, the fake ESP, the mounts, the configuration, the install, the clean-up) is a method,
// and what they share (the system, its mount point, what an unfinished install left) is state
// set once, instead of eight parameters handed down one 200-line function.
import { diagnostic, type Diagnostic } from '../model/diagnostic';
import type { Inventory } from '../model/inventory';
import type { NixosSystem } from '../model/layout';
import type { MountEntry } from '../parse/mounts';
import { newSystemConfiguration, newSystemModule } from './modules';
import {
  FAKE_EFI_SIZE_BYTES,
  fakeEfiDataset,
  fakeEfiDevice,
  fakeEfiPartition,
  findDataset,
  isManaged,
  isSystemInstalled,
  secretCopies,
  systemMountPoint,
  systemName,
} from './planner-paths';
import type { StepList } from './step-list';

/** What an unfinished install left on the machine, as the host reported it. */
export interface Survived {
  mounts: Map<string, MountEntry>;
  files: Record<string, string | null>;
  dirs: Record<string, boolean>;
}

/** What every system's plan draws on: the plan's step list and the facts read for it. */
export interface SystemPlanContext {
  inventory: Inventory;
  list: StepList;
  mountRoot: string;
  mkdirs: (path: string, element: string) => void;
  survived: Survived;
  diagnostics: Diagnostic[];
}

/** The system's dataset exists and is Cohabit's, but the install never stamped it. */
export function isUnfinishedInstall(inventory: Inventory, system: NixosSystem): boolean {
  const d = findDataset(inventory, system.dataset);
  return d !== undefined && isManaged(d, 'system') && !isSystemInstalled(inventory, system);
}

/** Adds the steps that install `system`; false when it is installed already (nothing to add). */
export function planSystem(ctx: SystemPlanContext, system: NixosSystem, element: string): boolean {
  if (isSystemInstalled(ctx.inventory, system)) return false;
  new SystemPlanBuilder(ctx, system, element).build();
  return true;
}

export class SystemPlanBuilder {
  private readonly ds: string;
  private readonly root: string;
  /** The dataset is this system's, from an install that did not finish. */
  private readonly unfinished: boolean;
  /** ...and it is mounted where Cohabit mounts it, so what is inside can be seen and kept. */
  private readonly mountedHere: boolean;

  constructor(
    private readonly ctx: SystemPlanContext,
    private readonly system: NixosSystem,
    private readonly element: string,
  ) {
    this.ds = system.dataset;
    this.root = systemMountPoint(ctx.mountRoot, systemName(system));
    this.unfinished = isUnfinishedInstall(ctx.inventory, system);
    this.mountedHere = this.unfinished && ctx.survived.mounts.get(this.root)?.source === this.ds;
  }

  build(): void {
    this.noteUnfinishedInstall();
    this.dataset();
    this.fakeEsp();
    this.mounts();
    this.configuration();
    this.install();
    this.cleanUp();
  }

  private why(text: string) {
    return { element: this.element, text };
  }

  /** Whether an unfinished install's directory is there (only a mounted root can be looked in). */
  private seen(dir: string): boolean {
    return this.mountedHere && this.ctx.survived.dirs[dir] === true;
  }

  /** Inside the new root only a mounted dataset can be seen; unmounted, its content is unknown. */
  private noteUnfinishedInstall(): void {
    if (!this.unfinished || this.mountedHere) return;
    const { ds, root, element } = this;
    const existing = findDataset(this.ctx.inventory, ds);
    const elsewhere = [...this.ctx.survived.mounts.values()].find(
      (m) => m.source === ds && m.target !== root,
    );
    this.ctx.diagnostics.push(
      existing?.mounted === true || elsewhere !== undefined
        ? diagnostic(
            'system.mounted-elsewhere',
            'warning',
            `${ds} holds an install that did not finish and is mounted${elsewhere ? ` at ${elsewhere.target}` : ''}, not at ${root}.`,
            {
              subject: element,
              fix: `Unmount it (umount ${elsewhere?.target ?? ds}) and plan again; the plan below expects it unmounted.`,
            },
          )
        : diagnostic(
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

  private dataset(): void {
    if (findDataset(this.ctx.inventory, this.ds) !== undefined) return;
    this.ctx.list.add(
      'zfs.createDataset',
      { dataset: this.ds, role: 'system' },
      `Create the dataset ${this.ds}`,
      this.why(
        `"${this.system.label}" lives in its own dataset of the pool, mounted the legacy way like the main system's.`,
      ),
    );
  }

  private fakeEsp(): void {
    const ds = this.ds;
    if (findDataset(this.ctx.inventory, fakeEfiDataset(ds)) !== undefined) return;
    this.ctx.list.add(
      'zfs.createVolume',
      {
        dataset: fakeEfiDataset(ds),
        sizeBytes: FAKE_EFI_SIZE_BYTES,
        volblocksizeBytes: 4096,
        sparse: false,
        compression: 'lz4',
        role: 'system-esp',
        system: systemName(this.system),
      },
      `Create the 50 MiB fake ESP volume ${fakeEfiDataset(ds)}`,
      this.why(
        "NixOS's GRUB module needs an EFI system partition to install to; this small zvol is one the firmware never sees.",
      ),
    );
    this.ctx.list.add(
      'disk.waitForDevice',
      { path: fakeEfiDevice(ds), timeoutSeconds: 30 },
      "Wait for the volume's device node",
      this.why('udev creates /dev/zvol links a moment after zfs create.'),
    );
    this.ctx.list.add(
      'disk.partitionEsp',
      { device: fakeEfiDevice(ds) },
      'Give the fake ESP a GPT with one EF00 partition',
      this.why("GRUB's EFI install expects an EFI system partition."),
    );
    this.ctx.list.add(
      'disk.waitForDevice',
      { path: fakeEfiPartition(ds), timeoutSeconds: 30 },
      "Wait for the partition's device node",
      this.why('The kernel re-reads the partition table; udev then adds -part1.'),
    );
    this.ctx.list.add(
      'disk.mkfsFat',
      { device: fakeEfiPartition(ds), label: 'FAKEEFI' },
      'Format the fake ESP as FAT',
      this.why('An ESP is a FAT filesystem.'),
    );
  }

  /** The root, its ESP and the directories written into before nixos-generate-config. */
  private mounts(): void {
    const { ds, root } = this;
    if (!this.mountedHere) {
      this.ctx.mkdirs(root, this.element);
      this.ctx.list.add(
        'fs.mount',
        { source: ds, target: root, fstype: 'zfs', options: [] },
        `Mount ${ds} at ${root}`,
        this.why('nixos-install installs into a mounted root.'),
      );
    }
    this.mkdirInRoot(
      'efi',
      'Create the ESP mount point',
      'The new system mounts its fake ESP at /efi.',
    );
    // mount(8) records the ESP as /dev/zdNpM, not the /dev/zvol link: the target is what is compared.
    if (!(this.mountedHere && this.ctx.survived.mounts.get(`${root}/efi`)?.fstype === 'vfat'))
      this.ctx.list.add(
        'fs.mount',
        { source: fakeEfiPartition(ds), target: `${root}/efi`, fstype: 'vfat', options: [] },
        `Mount the fake ESP at ${root}/efi`,
        this.why("nixos-install puts GRUB's EFI files there."),
      );
    const before = 'Cohabit writes the configuration before nixos-generate-config.';
    this.mkdirInRoot('etc', 'Create /etc in the new system', before);
    this.mkdirInRoot('etc/nixos', 'Create /etc/nixos in the new system', before);
  }

  private mkdirInRoot(relative: string, title: string, text: string): void {
    const path = `${this.root}/${relative}`;
    if (!this.seen(path))
      this.ctx.list.add('fs.mkdir', { path, mode: 0o755 }, title, this.why(text));
  }

  private writeInRoot(name: string, content: string, title: string, text: string): void {
    const path = `${this.root}/etc/nixos/${name}`;
    const previous = this.mountedHere ? (this.ctx.survived.files[path] ?? null) : null;
    if (previous !== content) this.ctx.list.write(path, content, previous, title, this.why(text));
  }

  private configuration(): void {
    this.writeInRoot(
      'configuration.nix',
      newSystemConfiguration(this.system),
      "Write the new system's configuration.nix",
      'Written before nixos-generate-config, which keeps an existing configuration.nix and writes only hardware-configuration.nix, so this preview is exactly what is installed.',
    );
    this.writeInRoot(
      'cohabit.nix',
      newSystemModule(this.ctx.inventory, this.system),
      "Write the new system's cohabit.nix",
      'Boot from ZFS like the main system: LUKS, GRUB on the fake ESP, hostId, the user.',
    );
    this.ctx.list.add(
      'nixos.generateConfig',
      { root: this.root },
      "Detect the new system's hardware",
      this.why(
        'hardware-configuration.nix: the root dataset, the fake ESP and the kernel modules this machine needs.',
      ),
    );
  }

  private install(): void {
    const { inventory } = this.ctx;
    if (this.system.copyFromMain.luks && inventory.os.nixos !== null) {
      for (const c of secretCopies(inventory))
        this.ctx.list.add(
          'file.copySecret',
          { source: c.source, target: `${this.root}${c.target}`, mode: 0o400 },
          `Copy the LUKS key file ${c.name} into the new system`,
          this.why(
            "boot.initrd.secrets reads it from the new system's own root when it builds the initrd.",
          ),
        );
    }
    this.ctx.list.add(
      'nixos.install',
      { root: this.root },
      `Install NixOS into ${this.ds}`,
      this.why(
        'Builds the system and writes its /boot/grub/grub.cfg, which the main GRUB chains to. The password comes from the layout, so no prompt.',
      ),
    );
    this.ctx.list.add(
      'zfs.setUserProp',
      {
        dataset: this.ds,
        property: 'cohabit:system',
        value: systemName(this.system),
        previous: null,
      },
      'Mark the system as installed',
      this.why('The stamp tells the next plan that this system is complete.'),
    );
  }

  private cleanUp(): void {
    const { ds, root } = this;
    const nothingMounted = this.why('Nothing stays mounted after the install.');
    this.ctx.list.add(
      'fs.unmount',
      { target: `${root}/efi`, source: fakeEfiPartition(ds), fstype: 'vfat', options: [] },
      'Unmount the fake ESP',
      nothingMounted,
    );
    this.ctx.list.add(
      'fs.unmount',
      { target: root, source: ds, fstype: 'zfs', options: [] },
      `Unmount ${ds}`,
      nothingMounted,
    );
  }
}
