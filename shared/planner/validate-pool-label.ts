// grub.pool-label-clash (issue 16): a filesystem outside the pool whose LABEL is the pool's name.
// Cohabit's chain entry finds the pool by GUID, so it is not captured; a search by label may be.
import type { BlockDevice, Inventory, ZfsPool } from '../model/inventory';
import type { Add } from './validate';

/** Loop devices and zvols hold images and guests' disks, not filesystems a boot loader searches. */
function isImageDevice(d: BlockDevice): boolean {
  return d.type === 'loop' || /^\/dev\/(loop|zd)\d/.test(d.path) || /^(loop|zd)\d/.test(d.name);
}

/** Every block device outside loop devices and zvols (and what they hold), depth first. */
function searchableDevices(disks: readonly BlockDevice[]): BlockDevice[] {
  return disks.flatMap((d) => (isImageDevice(d) ? [] : [d, ...searchableDevices(d.children)]));
}

const DECIMAL = /^\d{1,20}$/;

/**
 * libblkid reports a zfs_member's UUID as its pool's GUID in decimal (util-linux
 * libblkid/src/superblocks/zfs.c, "%"PRIu64 of pool_guid), the form `zpool get guid` prints; when
 * lsblk gave no such UUID, the pool's own device list decides.
 */
function isMemberOf(pool: ZfsPool, d: BlockDevice): boolean {
  if (
    d.fstype === 'zfs_member' &&
    d.uuid !== null &&
    DECIMAL.test(d.uuid) &&
    DECIMAL.test(pool.guid)
  )
    return BigInt(d.uuid) === BigInt(pool.guid);
  const names = [
    d.path,
    `/dev/${d.name}`,
    `/dev/mapper/${d.name}`,
    ...d.byId.map((id) => `/dev/disk/by-id/${id.split('/').pop() ?? id}`),
  ];
  return names.some((n) => pool.devices.includes(n));
}

/** Device names that can be shown inside a command as they are, with nothing a shell would read. */
const PLAIN = /^[A-Za-z0-9_./:@+-]+$/;

/**
 * Untrusted text (labels, device paths) for a message: as it is when plain, else JSON-quoted with
 * control, format and line-separator characters escaped, so that a label cannot break a line,
 * reorder the text around it or pass for the end of the quote.
 */
function shownText(text: string): string {
  if (PLAIN.test(text)) return text;
  return JSON.stringify(text).replace(/[\p{C}\u2028\u2029]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

function relabelFix(d: BlockDevice, pool: ZfsPool): string {
  const generic =
    'Give that filesystem another label with the tool of its filesystem type, or unplug the disk when it is not needed, so that a search by label finds only the pool.';
  // A command is written out only for a device path a shell reads as one plain word.
  if (!PLAIN.test(d.path) || !d.path.startsWith('/dev/')) return generic;
  const dev = d.path;
  switch (d.fstype) {
    case 'ext2':
    case 'ext3':
    case 'ext4':
      return `Relabel it: \`e2label ${dev} ''\` clears the label, or \`e2label ${dev} NEWNAME\` gives it another.`;
    case 'vfat':
      return `Relabel it: \`fatlabel ${dev} NEWNAME\` (unmounted).`;
    case 'xfs':
      return `Clear its label: \`xfs_admin -L -- ${dev}\` (unmounted).`;
    case 'btrfs':
      return `Relabel it: \`btrfs filesystem label ${dev} NEWNAME\`.`;
    case 'zfs_member': {
      const guid = d.uuid !== null && DECIMAL.test(d.uuid) ? d.uuid : '<its guid>';
      return `It belongs to another pool named ${shownText(pool.name)}. Import that one under another name (\`zpool import ${guid} NEWNAME\`, then \`zpool export NEWNAME\`), or, if it is no longer wanted, \`zpool labelclear ${dev}\` wipes its ZFS label (and with it that pool).`;
    }
    default:
      return generic;
  }
}

export function checkPoolLabelClash(inventory: Inventory, pool: ZfsPool, add: Add): void {
  for (const d of searchableDevices(inventory.disks)) {
    // Exact, as GRUB's `search --label` and udev's /dev/disk/by-label compare it.
    if (d.label !== pool.name || isMemberOf(pool, d)) continue;
    add(
      'grub.pool-label-clash',
      'warning',
      'pool',
      `${shownText(d.path)} (${shownText(d.fstype ?? 'unknown type')}) is labelled ${shownText(d.label)}, like the pool. Cohabit's chain entry finds the pool by its GUID, so that filesystem does not capture it; but anything that finds the pool by label may pick that filesystem instead: a hand-written \`search --label\`, NixOS's own GRUB menu when its /boot is on the pool (install-grub.pl searches for a ZFS /boot by the pool's name), an fstab line with LABEL=.`,
      relabelFix(d, pool),
    );
  }
}
