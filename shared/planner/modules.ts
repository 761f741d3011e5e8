// The Nix text the planner writes: the new system's cohabit.nix and configuration.nix, and the
// main system's cohabit.nix (GRUB chain entries, VFIO, libvirt, sanoid). Built as Nix values and
// printed by the emitter, so every name and label is escaped in one place.
import { emitGrubChainEntry, zfsGrubPath } from '../emit/grub';
import {
  emitNixModule,
  mkDefault,
  mkForce,
  multiline,
  nixPath,
  withComment,
  type NixAttrs,
  type NixValue,
} from '../emit/nix';
import { libvirtBody, vfioBindingBody, type VfioModuleInput } from '../emit/vfio-module';
import type { Inventory } from '../model/inventory';
import { vfioEntryOf, type Layout, type NixosSystem } from '../model/layout';
import { mainInitrdSystemd, newSystemStateVersion } from './nixos-target';
import { fakeEfiPartition, grubEntryId, secretCopies } from './planner-paths';

/** The specialisation that holds the VFIO binding; GRUB lists it as an entry of its own. */
export const VFIO_SPECIALISATION = 'vfio';

const HEADER =
  'Written by Cohabit. Changes here are overwritten when Cohabit applies a new plan; put your own settings in configuration.nix.';

/** The new system's own configuration.nix: Cohabit writes it before nixos-generate-config, which then keeps it. */
export function newSystemConfiguration(system: NixosSystem): string {
  return emitNixModule(
    {
      imports: [
        withComment(
          'Disks and filesystems, written by nixos-generate-config.',
          nixPath('./hardware-configuration.nix'),
        ),
        withComment(
          'Boot, LUKS, hostId and the user, written by Cohabit.',
          nixPath('./cohabit.nix'),
        ),
      ],
    },
    {
      args: ['...'],
      header: `The configuration of ${system.label}, made by Cohabit. Add your own settings here.`,
    },
  );
}

// Long because each NixOS option it sets carries the comment that explains it in the diff the user
// reads.
export function newSystemModule(inventory: Inventory, system: NixosSystem): string {
  const nixos = inventory.os.nixos;
  const mainHostId = nixos?.hostId ?? inventory.os.hostId ?? '';
  const hostId = system.hostId.policy === 'new' ? system.hostId.value : mainHostId;
  const boot: NixAttrs = {};
  if (system.copyFromMain.luks && nixos !== null && nixos.luksDevices.length > 0) {
    const devices: NixAttrs = {};
    for (const d of nixos.luksDevices) {
      const dev: NixAttrs = { device: d.device };
      if (d.keyFile !== null) dev.keyFile = d.keyFile;
      // preLVM defaults to true and systemd stage 1 fails an assertion on false (luksroot.nix):
      // written only when it is false and the new system's stage 1 is the scripted one.
      if (d.preLvm === false && mainInitrdSystemd(inventory) === false) dev.preLVM = false;
      devices[d.name] = dev;
    }
    const copies = secretCopies(inventory);
    const initrd: NixAttrs = {
      luks: {
        devices: withComment(
          'The pool sits on these LUKS devices, as on the main system.',
          devices,
        ),
      },
    };
    if (copies.length > 0) {
      const secrets: NixAttrs = {};
      for (const c of copies) secrets[c.name] = c.target;
      initrd.secrets = withComment(
        "Key files reach the initrd as secrets (GRUB's old extra-initrd option is gone). Cohabit copied them into this system.",
        secrets,
      );
    }
    boot.initrd = initrd;
  }
  const grub: NixAttrs = {
    enable: true,
    device: withComment(
      "Write grub.cfg without installing GRUB anywhere: the main system's GRUB chains to it.",
      'nodev',
    ),
    efiSupport: true,
    efiInstallAsRemovable: withComment(
      "GRUB goes onto the fake ESP only, never into the firmware's boot entries.",
      true,
    ),
    zfsSupport: true,
  };
  if (nixos?.grub?.enableCryptodisk === true) grub.enableCryptodisk = true;
  boot.loader = {
    grub,
    efi: {
      efiSysMountPoint: withComment(
        "The fake ESP: a small FAT zvol inside this system's dataset.",
        '/efi',
      ),
      canTouchEfiVariables: withComment(
        'Required by efiInstallAsRemovable; the main system owns the boot entries.',
        false,
      ),
    },
  };
  if (system.copyFromMain.zfs) boot.supportedFilesystems = ['zfs'];
  boot.zfs = {
    forceImportRoot:
      system.hostId.policy === 'new' && system.hostId.value !== mainHostId
        ? withComment(
            'This system has its own hostId, so the root pool always looks imported by another host: import it by force.',
            true,
          )
        : withComment(
            'Set explicitly (NixOS 26.05 warns while it is left at its default, and 26.11 changes the default with stateVersion): the same hostId as the main system, so as the main system has it.',
            nixos?.forceImportRoot ?? true,
          ),
  };
  const user: NixAttrs = {
    isNormalUser: true,
    hashedPassword: system.user.passwordHash,
  };
  if (system.user.wheel) user.extraGroups = ['wheel'];
  return emitNixModule(
    {
      boot,
      networking: {
        hostId: withComment(
          system.hostId.policy === 'reuse'
            ? "The main system's hostId: both systems are this one machine."
            : 'A hostId of its own, as chosen in the layout.',
          hostId,
        ),
      },
      fileSystems: {
        '/efi': {
          device: withComment(
            "nixos-generate-config writes the partition's /dev/zd* or UUID name; the zvol path is the stable one.",
            mkForce(fakeEfiPartition(system.dataset)),
          ),
          fsType: withComment('fsType has no default any more: always set it.', 'vfat'),
        },
      },
      users: { users: { [system.user.name]: user } },
      system: {
        stateVersion: withComment(
          "A fresh install of the main system's release: its defaults are this release's.",
          newSystemStateVersion(inventory, system.stateVersion),
        ),
      },
    },
    { header: HEADER },
  );
}

/** One GRUB entry per system: find the pool by its GUID, load the system's own grub.cfg. */
export function chainEntries(layout: Layout, poolGuid: string): string {
  return layout.systems
    .map((s) =>
      emitGrubChainEntry({
        title: s.label,
        poolGuid,
        // The new system's /boot is a directory of its own dataset (nothing else is offered).
        configPath: zfsGrubPath(s.dataset, '/boot/grub/grub.cfg'),
        id: grubEntryId(s),
      }),
    )
    .join('\n');
}

function isAttrs(value: NixValue): value is NixAttrs {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

/** Merges module bodies key by key; two definitions of one option are a planner bug. */
function merge(into: NixAttrs, from: NixAttrs, at = ''): NixAttrs {
  for (const [key, value] of Object.entries(from)) {
    const existing = into[key];
    if (existing === undefined) into[key] = value;
    else if (isAttrs(existing) && isAttrs(value)) merge(existing, value, `${at}${key}.`);
    else throw new Error(`the main module defines ${at}${key} twice`);
  }
  return into;
}

export interface MainModuleInput {
  layout: Layout;
  /** The layout pool's GUID (decimal, from the inventory): the chain entries search for it. */
  poolGuid: string;
  vfio: VfioModuleInput | null;
  /** Another system in the pool has its own hostId: the main system must import by force. */
  forceImportRoot: boolean;
  /** boot.zfs.forceImportRoot as the main system has it now (null: unknown). */
  currentForceImportRoot: boolean | null;
}

/**
 * The main system's cohabit.nix: GRUB chain entries, forceImportRoot, libvirt, sanoid, and the
 * VFIO binding, in a specialisation by default (the plain entry keeps the host as it was).
 */
export function mainModule(input: MainModuleInput): string {
  const { layout } = input;
  const body: NixAttrs = {};
  if (layout.systems.length > 0) {
    merge(body, {
      boot: {
        loader: {
          grub: {
            extraEntries: withComment(
              "One entry per system in the pool: GRUB loads that system's own menu from its dataset.",
              multiline(chainEntries(layout, input.poolGuid)),
            ),
          },
        },
      },
    });
  }
  merge(body, {
    boot: {
      zfs: {
        forceImportRoot: input.forceImportRoot
          ? input.currentForceImportRoot === false
            ? withComment(
                'Another system in this pool has its own hostId, so the pool may look imported by another host at boot. Your configuration sets false: this overrides it, or the main system would no longer boot after the other one ran.',
                mkForce(true),
              )
            : withComment(
                'Another system in this pool has its own hostId, so the pool may look imported by another host at boot.',
                true,
              )
          : withComment(
              'Explicit, so NixOS 26.05 and later do not warn about the default; mkDefault keeps a value your own configuration sets.',
              mkDefault(input.currentForceImportRoot ?? true),
            ),
      },
    },
  });
  if (input.vfio !== null && input.vfio.devices.length > 0) {
    const binding = vfioBindingBody(input.vfio);
    if (vfioEntryOf(layout) === 'specialisation')
      merge(body, {
        specialisation: {
          [VFIO_SPECIALISATION]: withComment(
            'The VFIO binding gets a boot entry of its own; the default entry keeps the host as it was, so a binding that goes wrong is one menu choice away from undone.',
            { configuration: binding },
          ),
        },
      });
    else merge(body, binding);
    merge(body, libvirtBody(input.vfio));
  } else if (input.vfio !== null)
    // VMs without passed devices need libvirt but nothing of VFIO.
    merge(body, {
      virtualisation: {
        libvirtd: { enable: withComment('libvirt runs the VMs of the layout.', true) },
      },
    });
  const sanoid = sanoidBody(layout);
  if (sanoid !== null) merge(body, sanoid);
  return emitNixModule(body, { header: HEADER });
}

/** Snapshots of the VM volumes whose policy is sanoid's; null when none has it. */
function sanoidBody(layout: Layout): NixAttrs | null {
  const datasets: NixAttrs = {};
  for (const vol of layout.volumes) {
    if (vol.snapshots.policy !== 'sanoid') continue;
    datasets[vol.dataset] = {
      autosnap: true,
      autoprune: true,
      hourly: vol.snapshots.hourly,
      daily: vol.snapshots.daily,
      monthly: vol.snapshots.monthly,
    };
  }
  if (Object.keys(datasets).length === 0) return null;
  return {
    services: {
      sanoid: {
        enable: withComment('Takes and prunes the snapshots of the VM volumes.', true),
        datasets,
      },
    },
  };
}
