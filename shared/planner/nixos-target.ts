// What the planner writes for depends on the NixOS release the machine runs and on its stage 1:
// the new system's stateVersion, where the OVMF images live, and which kernel parameters and
// initrd modules the main configuration already has (NixOS would list them twice).
import { diagnostic, type Diagnostic } from '../model/diagnostic';
import type { Inventory } from '../model/inventory';

const RELEASE_RE = /^(\d{2})\.(\d{2})$/;

/** The oldest release Cohabit writes for, and the newest it knows. */
export const SUPPORTED_RELEASES = ['25.11', '26.05', '26.11'] as const;

/** `26.11` from the inventory: the evaluated release, os-release's VERSION_ID, or the version. */
export function mainRelease(inventory: Inventory): string | null {
  const nixos = inventory.os.nixos;
  for (const candidate of [
    nixos?.release ?? null,
    inventory.os.versionId,
    nixos?.version?.slice(0, 5) ?? null,
  ]) {
    if (candidate !== null && RELEASE_RE.test(candidate)) return candidate;
  }
  return null;
}

/** Release strings compare as YY.MM. */
export function releaseAtLeast(release: string, than: string): boolean {
  return release.localeCompare(than, 'en', { numeric: true }) >= 0;
}

/**
 * Whether stage 1 of a system on this release is systemd: what the main system reports, else the
 * release's default (systemd since 26.05), else null (unknown).
 */
export function mainInitrdSystemd(inventory: Inventory): boolean | null {
  const known = inventory.os.nixos?.initrdSystemd;
  if (known !== null && known !== undefined) return known;
  const release = mainRelease(inventory);
  return release === null ? null : releaseAtLeast(release, '26.05');
}

/**
 * A new system is installed from the main system's channel, so it is a fresh install of the main
 * system's release: its stateVersion is that release, unless the layout says otherwise.
 */
export function newSystemStateVersion(inventory: Inventory, layoutValue?: string): string {
  return (
    layoutValue ??
    mainRelease(inventory) ??
    inventory.os.nixos?.stateVersion ??
    SUPPORTED_RELEASES[0]
  );
}

/** Kernel parameters the main configuration already sets (evaluated, else the command line). */
export function existingKernelParams(inventory: Inventory): string[] {
  const evaluated = inventory.os.nixos?.kernelParams;
  if (evaluated !== null && evaluated !== undefined) return [...evaluated];
  return inventory.boot.cmdlineArgs
    .filter((a) => a.key !== 'BOOT_IMAGE' && a.key !== 'init')
    .map((a) => (a.value === null ? a.key : `${a.key}=${a.value}`));
}

export function existingInitrdModules(inventory: Inventory): string[] {
  return [...(inventory.os.nixos?.initrdKernelModules ?? [])];
}

/**
 * OVMF images for libvirt. Since 25.11 NixOS's libvirtd links QEMU's own edk2 images under
 * /run/libvirt/nix-ovmf/ (virtualisation.libvirtd.qemu.ovmf was removed); before, the OVMF
 * package's OVMF_CODE.fd and OVMF_VARS.fd were linked there.
 */
export function ovmfPaths(release: string | null): { code: string; vars: string } {
  if (release !== null && !releaseAtLeast(release, '25.11'))
    return {
      code: '/run/libvirt/nix-ovmf/OVMF_CODE.fd',
      vars: '/run/libvirt/nix-ovmf/OVMF_VARS.fd',
    };
  return {
    code: '/run/libvirt/nix-ovmf/edk2-x86_64-code.fd',
    vars: '/run/libvirt/nix-ovmf/edk2-i386-vars.fd',
  };
}

/** Firmware paths that NixOS 25.11 removed; a domain still naming one does not start. */
export const REMOVED_OVMF_PATHS = [
  '/run/libvirt/nix-ovmf/OVMF_CODE.fd',
  '/run/libvirt/nix-ovmf/OVMF_VARS.fd',
  '/run/libvirt/nix-ovmf/OVMF_CODE.ms.fd',
  '/run/libvirt/nix-ovmf/OVMF_VARS.ms.fd',
] as const;

/**
 * A VM definition Cohabit wrote earlier that still names firmware NixOS 25.11 removed: the plan
 * rewrites and redefines it with the release's paths, and says so.
 */
export function staleFirmware(
  path: string,
  previous: string | null,
  subject: string,
): Diagnostic[] {
  if (previous === null) return [];
  const stale = REMOVED_OVMF_PATHS.filter((p) => previous.includes(p));
  if (stale.length === 0) return [];
  return [
    diagnostic(
      'libvirt.ovmf-removed',
      'warning',
      `${path} points at firmware that NixOS 25.11 removed (${stale.join(', ')}): the VM would not start.`,
      {
        subject,
        source: path,
        fix: 'The plan rewrites the definition with the firmware QEMU ships (/run/libvirt/nix-ovmf/edk2-*.fd) and defines it again. A domain made outside Cohabit needs the same change: virsh edit it and replace the <loader> and <nvram template> paths.',
      },
    ),
  ];
}
