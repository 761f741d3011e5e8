// Can the main system's GRUB keep a one-time choice ("boot the new system once")? It can where its
// environment block (grubenv) lies on a filesystem GRUB itself writes back to, because NixOS's
// grub.cfg clears `next_entry` at boot with `save_env`; where GRUB cannot write, the choice would
// stick and every boot would go to the new system, so the offer is refused with the reason.
//
// Facts (docs/decisions.md, "Boot it once"):
// - NixOS's install-grub.pl (nixpkgs da00c34072ef0dcc180fc02a6b8bfbe897c66ab1, as in the 25.11+
//   releases) writes `if [ -s $prefix/grubenv ]; then load_env; fi` and then
//   `if [ "${next_entry}" ]; then set default="${next_entry}"; set next_entry=; save_env next_entry;
//   ...`, with $prefix the `grub` directory under boot.loader.grub's bootPath: /boot/grub/grubenv.
// - GRUB's manual (docs/grub.texi, "Environment block", rhboot/grub2 5e9e7e44eddc): the block is
//   writable only "on a plain disk (no LVM or RAID), using a non-checksumming filesystem (no ZFS)";
//   save_env (grub-core/commands/loadenv.c) rewrites the file's own sectors in place, which
//   cryptodisk and diskfilter devices refuse. Btrfs has a header block for it, but only grub.cfg
//   files that read it with `load_env -f` use it, and NixOS's does not.
import type { BlockDevice, Inventory } from '../model/inventory';

/** Where NixOS's GRUB keeps its environment block (boot.loader.grub's default bootPath). */
export const NIXOS_GRUBENV = '/boot/grub/grubenv';

/** Filesystems GRUB writes its environment block to: plain, not checksummed, not copy-on-write. */
export const GRUB_WRITABLE_FS: ReadonlySet<string> = new Set(['ext2', 'ext3', 'ext4', 'vfat']);

/** Block device types a plain filesystem may sit on; anything else (crypt, lvm, raid*, md) is not plain. */
const PLAIN_DEVICE_TYPES: ReadonlySet<string> = new Set(['disk', 'part']);

/** What the menu needs when Cohabit cannot choose for you. */
export const PICK_IN_MENU =
  'At the next boot, pick the new system in the GRUB menu yourself (the default entry stays the main system, so an unattended reboot comes back to it).';

export type BootOnceChoice =
  { possible: true; envFile: string } | { possible: false; reason: string };

/** The facts the decision needs; grubEnv is optional because older inventories lack it. */
export type BootOnceFacts = Pick<Inventory, 'mounts' | 'disks' | 'boot'> & {
  grubEnv?: Inventory['grubEnv'];
};

/**
 * The mount that holds `path`: the longest mount point that is `path` or one of its parents; of
 * two at the same point the later one, which hides the earlier (/proc/mounts is in mount order).
 */
export function mountHolding(
  mounts: Inventory['mounts'],
  path: string,
): Inventory['mounts'][number] | undefined {
  let best: Inventory['mounts'][number] | undefined;
  for (const m of mounts) {
    const inside = m.target === '/' || path === m.target || path.startsWith(`${m.target}/`);
    if (inside && (best === undefined || m.target.length >= best.target.length)) best = m;
  }
  return best;
}

/** The device node whose path or /dev name is `source`, with its ancestors, outermost first. */
function deviceChain(disks: readonly BlockDevice[], source: string): BlockDevice[] | null {
  for (const d of disks) {
    if (d.path === source || `/dev/${d.name}` === source) return [d];
    const below = deviceChain(d.children, source);
    if (below !== null) return [d, ...below];
  }
  return null;
}

function fsReason(fstype: string, target: string): string {
  if (fstype === 'zfs')
    return `${NIXOS_GRUBENV} is on ZFS (mounted at ${target}); GRUB never writes to ZFS, so it could not clear a one-time choice and every boot would go to the new system.`;
  if (fstype === 'btrfs')
    return `${NIXOS_GRUBENV} is on Btrfs; GRUB cannot rewrite a Btrfs file, and NixOS's grub.cfg does not use Btrfs's reserved environment block, so a one-time choice would never be cleared.`;
  return `${NIXOS_GRUBENV} is on ${fstype} (mounted at ${target}); GRUB writes its environment block only on ext2/3/4 or FAT, so it could not clear a one-time choice.`;
}

/**
 * Whether the main GRUB can boot an entry once and then return to its default: the grubenv file
 * must exist (or be unreadable without root, which the helper checks again) on ext2/3/4 or FAT on
 * a plain partition, and the machine must boot with GRUB at all.
 */
export function bootOnceChoice(facts: BootOnceFacts): BootOnceChoice {
  if (facts.boot.bootloader !== 'grub')
    return {
      possible: false,
      reason:
        'The main system does not boot with GRUB, so there is no GRUB environment to keep a one-time choice in.',
    };
  const env = facts.grubEnv;
  if (env === undefined || env === null)
    return {
      possible: false,
      reason: `Cohabit did not look for ${NIXOS_GRUBENV} on this machine (the inventory predates it); read the machine again.`,
    };
  const mount = mountHolding(facts.mounts, env.path);
  if (mount === undefined)
    return {
      possible: false,
      reason: `Cohabit could not tell which filesystem holds ${env.path}.`,
    };
  if (!GRUB_WRITABLE_FS.has(mount.fstype))
    return { possible: false, reason: fsReason(mount.fstype, mount.target) };
  const chain = deviceChain(facts.disks, mount.source);
  if (chain === null)
    return {
      possible: false,
      reason: `Cohabit could not find ${mount.source} (which holds ${env.path}) among the block devices, so it cannot tell whether GRUB can write there.`,
    };
  const layered = chain.find((d) => !PLAIN_DEVICE_TYPES.has(d.type));
  if (layered !== undefined)
    return {
      possible: false,
      reason: `${env.path} is on ${mount.source}, which sits on ${layered.path} (${layered.type}); GRUB writes its environment block only on a plain partition, not through LUKS, LVM or RAID.`,
    };
  if (env.state === 'absent')
    return {
      possible: false,
      reason: `There is no ${env.path}: NixOS's grub.cfg reads a one-time choice only from that file, which grub-install creates.`,
    };
  return { possible: true, envFile: env.path };
}
