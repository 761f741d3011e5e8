// Example layouts: the seed recipe's layout on a machine (`cohabit plan --example seed`).
import type { Inventory } from '../model/inventory';
import { LAYOUT_FORMAT, type Layout } from '../model/layout';

/** yescrypt of the password "alice" (libxcrypt's crypt(3)), a sample to replace with mkpasswd's. */
export const SAMPLE_PASSWORD_HASH =
  '$y$j9T$Zm9vYmFyYmF6cXV4$.lcrOu8y5S2xKGihud38V4fvelUc4wi3kGlOky/Y2l.';

const GIB = 2 ** 30;

/**
 * The seed post's layout: a second NixOS in `<pool>/new-system` behind a "New System" GRUB entry,
 * and the macOS VM it ends with, on a zvol, with the spare NVIDIA GPU and USB controller.
 * On the demo machine that is the RTX 2080 (0000:01:00.0) and the ASMedia controller (0000:03:00.0).
 */
export function seedLayout(inventory: Inventory): Layout {
  const pool =
    inventory.zfs.pools.find((p) => p.name === 'zroot')?.name ??
    inventory.zfs.pools[0]?.name ??
    'zroot';
  // A GPU and a USB controller that do not serve the host: no display, no keyboard or mouse.
  const gpu =
    inventory.gpus.find((g) => !g.drivesDisplay && g.vendorId === '10de') ??
    inventory.gpus.find((g) => !g.drivesDisplay);
  const usb = inventory.usb.find(
    (u) => !u.hasKeyboard && !u.hasMouse && !(gpu?.functions.includes(u.address) ?? false),
  );
  const vmParent = inventory.zfs.datasets.some(
    (d) => d.name === `${pool}/vm` && d.type === 'filesystem',
  )
    ? `${pool}/vm`
    : pool;
  return {
    format: LAYOUT_FORMAT,
    pool,
    host: { headless: false },
    systems: [
      {
        id: 'new-system',
        dataset: `${pool}/new-system`,
        label: 'New System',
        hostId: { policy: 'reuse' },
        copyFromMain: { luks: true, zfs: true },
        user: { name: 'alice', passwordHash: SAMPLE_PASSWORD_HASH, wheel: true },
      },
    ],
    volumes: [
      {
        id: 'macos-disk',
        dataset: `${vmParent}/macos`,
        sizeBytes: 128 * GIB,
        // 16 KiB is OpenZFS 2.2's default volblocksize: a fair trade between compression and
        // read-modify-write for APFS's 4 KiB blocks.
        volblocksizeBytes: 16384,
        provisioning: 'reserved',
        compression: 'lz4',
        snapshots: { policy: 'sanoid', hourly: 0, daily: 7, monthly: 0 },
      },
    ],
    vms: [
      {
        id: 'macos',
        name: 'macos',
        kind: 'macos',
        volume: 'macos-disk',
        vcpus: 8,
        memoryMiB: 16384,
        hugepages: false,
        devices: [
          ...(gpu === undefined ? [] : [gpu.address]),
          ...(usb === undefined ? [] : [usb.address]),
        ],
      },
    ],
  };
}
