// A tool or a facility this machine lacks, said as a plain sentence with what to do, instead of
// the shell's "zfs: command not found" (issue 17: `cohabit apply --dry-run` on a machine without
// ZFS answered only that).
import { HostError } from '../host/host';

const ZFS =
  'ZFS and its tools: on NixOS, `boot.supportedFilesystems = [ "zfs" ];` and a `networking.hostId`; on Debian or Ubuntu, the zfsutils-linux package';
const UTIL_LINUX = 'util-linux (it provides blkid, wipefs, mount and umount)';
const NIXOS =
  "NixOS's own tools, which only a NixOS system has: apply this plan on the NixOS machine it was made for";

/** What provides each command a plan can run, in the words of someone installing it. */
const PROVIDERS: Readonly<Record<string, string>> = {
  zfs: ZFS,
  zpool: ZFS,
  sgdisk: 'gdisk (it provides sgdisk)',
  'mkfs.vfat': 'dosfstools (it provides mkfs.vfat)',
  blkid: UTIL_LINUX,
  wipefs: UTIL_LINUX,
  mount: UTIL_LINUX,
  umount: UTIL_LINUX,
  udevadm: 'udev (systemd)',
  'nixos-generate-config': NIXOS,
  'nixos-install': NIXOS,
  'nixos-rebuild': NIXOS,
  virsh:
    'libvirt: on NixOS, `virtualisation.libvirtd.enable = true;`; on Debian or Ubuntu, libvirt-clients and libvirt-daemon-system',
  install: 'coreutils',
  // grub.nix puts the system's GRUB package, with grub-editenv, in environment.systemPackages.
  'grub-editenv':
    "GRUB's tools: on NixOS they come with `boot.loader.grub.enable = true;` (in /run/current-system/sw/bin); on Debian or Ubuntu, grub-common",
};

/** The command a HostError of a missing program names, or null when it is not one. */
export function missingCommand(error: unknown): string | null {
  if (!(error instanceof HostError) || error.code !== 'ENOENT') return null;
  const m = /^(\S+): command not found/.exec(error.message);
  return m?.[1] ?? null;
}

/** The sentence for a missing command, naming the steps that need it. */
export function missingCommandSentence(command: string, where: string, steps: string[]): string {
  const provider = PROVIDERS[command] ?? `the package that provides ${command}`;
  const which = steps.length === 1 ? `step ${steps[0]}` : `steps ${steps.join(', ')}`;
  return `${command} is not installed on ${where}, so ${which} cannot be checked or run. Install ${provider}.`;
}

/**
 * A precondition check that could not be made, in plain words: a missing program, a file only root
 * may read (a dry run runs without root), or else the error itself.
 */
export function uncheckedSentence(error: unknown, where: string): string {
  if (error instanceof HostError && error.code === 'EACCES')
    return `${error.target} cannot be read on ${where} without root, so this could not be checked. A real apply checks it as root; to check it now, run the dry run as root (sudo cohabit apply --dry-run).`;
  if (error instanceof HostError && error.code === 'UNREACHABLE') return error.message;
  return `could not be checked: ${error instanceof Error ? error.message : String(error)}`;
}
