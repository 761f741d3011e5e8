// validate(inventory, layout): every problem with a layout on this machine, each with a code, the
// layout element it concerns (`systems[0].dataset`) and the fix. An error means nothing is planned.
import * as v from 'valibot';
import { diagnostic, type Diagnostic } from '../model/diagnostic';
import type { Inventory, ZfsPool } from '../model/inventory';
import { LayoutSchema, issuePath, type Layout } from '../model/layout';
import {
  FAKE_EFI_SIZE_BYTES,
  fakeEfiDataset,
  findDataset,
  inheritedFrom,
  isManaged,
  parentDataset,
  grubEntryId,
  systemName,
} from './planner-paths';
import { checkPoolLabelClash } from './validate-pool-label';
import { checkVms } from './validate-vms';
import { grubUnreadableFeatures, raidzVdevsOf, zvolReservationBytes } from './zfs-facts';

/** Reads untrusted JSON as a Layout; every schema problem names its field. */
export function parseLayout(
  input: unknown,
): { ok: true; layout: Layout } | { ok: false; diagnostics: Diagnostic[] } {
  const result = v.safeParse(LayoutSchema, input);
  if (result.success) return { ok: true, layout: result.output };
  const diagnostics = result.issues.map((issue) => {
    const subject = issuePath(issue);
    return diagnostic('layout.invalid', 'error', `${subject || 'layout'}: ${issue.message}`, {
      subject: subject || 'layout',
      fix: 'Correct this field; nothing is planned from a layout that does not read cleanly.',
    });
  });
  return { ok: false, diagnostics };
}

const GRUB_ALTERNATIVES =
  'Alternatives: a separate small boot pool created with `-o compatibility=grub2` holding /boot, ' +
  '`boot.loader.grub.copyKernels = true` with /boot on a filesystem GRUB reads, or ZFSBootMenu, ' +
  'which boots from any pool OpenZFS itself can import.';

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export function validate(inventory: Inventory, layout: Layout): Diagnostic[] {
  const out: Diagnostic[] = [];
  const add = (
    code: string,
    severity: Diagnostic['severity'],
    subject: string,
    message: string,
    fix?: string,
  ) =>
    out.push(
      diagnostic(code, severity, message, fix === undefined ? { subject } : { subject, fix }),
    );

  const pool = inventory.zfs.pools.find((p) => p.name === layout.pool);
  if (pool === undefined) {
    const names = inventory.zfs.pools.map((p) => p.name).join(', ') || 'none';
    add(
      'pool.missing',
      'error',
      'pool',
      `This machine has no imported pool named ${layout.pool} (pools: ${names}).`,
      'Make the layout for a pool of this machine, or import the pool first.',
    );
    return out;
  }

  checkIds(layout, add);
  checkDatasets(inventory, layout, add);
  checkSpace(inventory, layout, pool, add);
  if (layout.systems.length > 0) {
    checkBoot(inventory, layout, pool, add);
    checkPoolLabelClash(inventory, pool, add);
  }
  if (layout.systems.length > 0 || layout.vms.length > 0) checkMainSystem(inventory, add);
  layout.systems.forEach((system, i) => {
    checkHostId(inventory, system.hostId, `systems[${i}].hostId`, add);
    checkLuks(inventory, pool, system.copyFromMain.luks, `systems[${i}].copyFromMain.luks`, add);
  });
  checkVms(inventory, layout, add);
  return out;
}

export type Add = (
  code: string,
  severity: Diagnostic['severity'],
  subject: string,
  message: string,
  fix?: string,
) => void;

function duplicates<T>(items: T[], key: (t: T) => string): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  items.forEach((item, i) => seen.set(key(item), [...(seen.get(key(item)) ?? []), i]));
  return new Map([...seen].filter(([, at]) => at.length > 1));
}

function checkIds(layout: Layout, add: Add): void {
  const ids = [
    ...layout.systems.map((s, i) => ({ id: s.id, at: `systems[${i}].id` })),
    ...layout.volumes.map((s, i) => ({ id: s.id, at: `volumes[${i}].id` })),
    ...layout.vms.map((s, i) => ({ id: s.id, at: `vms[${i}].id` })),
  ];
  for (const [id, at] of duplicates(ids, (x) => x.id)) {
    for (const i of at.slice(1))
      add(
        'layout.id-duplicate',
        'error',
        ids[i]?.at ?? '',
        `The id ${id} is used twice.`,
        'Give every element its own id.',
      );
  }
  for (const [label, at] of duplicates(layout.systems, (s) => s.label.trim().toLowerCase())) {
    for (const i of at.slice(1))
      add(
        'system.label-duplicate',
        'error',
        `systems[${i}].label`,
        `Two systems have the menu label "${label}"; the GRUB menu could not tell them apart.`,
        'Give each system its own menu label.',
      );
  }
  // Mount point, stamp and GRUB id are named after the dataset's last component (systemName); the
  // GRUB id also folds case, `_` and `.`, so `NixOS_B` and `nixos-b` make one id.
  for (const [id, at] of duplicates(layout.systems, grubEntryId)) {
    for (const i of at.slice(1)) {
      const name = systemName(layout.systems[i] ?? { dataset: '' });
      const same = at.some(
        (j) => j < i && systemName(layout.systems[j] ?? { dataset: '' }) === name,
      );
      add(
        'system.name-duplicate',
        'error',
        `systems[${i}].dataset`,
        same
          ? `Two systems' datasets end in "${name}": both would be mounted at /mnt/cohabit/${name} while installing and both GRUB entries would have the id ${id}.`
          : `Two systems' datasets would both give the GRUB entry id ${id} (the id keeps only a-z, 0-9 and -), so the menu could not tell them apart.`,
        'Give the datasets different last names (zroot/nixos-a and zroot/nixos-b, for example).',
      );
    }
  }
  for (const [name, at] of duplicates(layout.vms, (vm) => vm.name)) {
    for (const i of at.slice(1))
      add(
        'vm.name-duplicate',
        'error',
        `vms[${i}].name`,
        `Two VMs are named ${name}; libvirt needs unique names.`,
        'Rename one of them.',
      );
  }
}

// Long because its rules share the list of wanted datasets with their owners, built once at the
// top.
function checkDatasets(inventory: Inventory, layout: Layout, add: Add): void {
  const wanted = [
    ...layout.systems.map((s, i) => ({
      name: s.dataset,
      at: `systems[${i}].dataset`,
      role: 'system',
    })),
    ...layout.systems.map((s, i) => ({
      name: fakeEfiDataset(s.dataset),
      at: `systems[${i}].dataset`,
      role: 'system-esp',
    })),
    ...layout.volumes.map((vol, i) => ({
      name: vol.dataset,
      at: `volumes[${i}].dataset`,
      role: 'vm-volume',
    })),
  ];
  for (const [name, at] of duplicates(wanted, (w) => w.name)) {
    for (const i of at.slice(1))
      add(
        'dataset.duplicate',
        'error',
        wanted[i]?.at ?? '',
        `The dataset ${name} appears twice in the layout.`,
        'Each system and volume needs its own dataset.',
      );
  }
  const volumeNames = new Set(layout.volumes.map((vol) => vol.dataset));
  for (const w of wanted) {
    if (w.role === 'system-esp') {
      const existing = findDataset(inventory, w.name);
      if (existing !== undefined && !isManaged(existing, 'system-esp'))
        add(
          'dataset.exists',
          'error',
          w.at,
          `${w.name} already exists and Cohabit did not create it; the new system's fake ESP goes there.`,
          'Choose another dataset name for the system.',
        );
      continue;
    }
    const [first] = w.name.split('/');
    if (first !== layout.pool || !w.name.includes('/')) {
      add(
        'dataset.outside-pool',
        'error',
        w.at,
        `${w.name} is not inside the pool ${layout.pool}.`,
        `Name it ${layout.pool}/<name>.`,
      );
      continue;
    }
    const existing = findDataset(inventory, w.name);
    if (existing !== undefined && !isManaged(existing, w.role)) {
      add(
        'dataset.exists',
        'error',
        w.at,
        `${w.name} already exists (a ${existing.type}) and Cohabit did not create it for this role; it will not touch it.`,
        'Choose a name that does not exist yet.',
      );
      continue;
    }
    const parent = parentDataset(w.name);
    if (parent !== null && parent.includes('/') && findDataset(inventory, parent) === undefined) {
      add(
        'dataset.parent-missing',
        'error',
        w.at,
        `The parent ${parent} does not exist, and zfs create does not make parents here.`,
        `Create ${parent} first (zfs create -o mountpoint=none ${parent}) or choose a name directly under an existing dataset.`,
      );
    }
    for (let p = parent; p !== null; p = parentDataset(p)) {
      const ancestor = findDataset(inventory, p);
      if (ancestor?.type === 'volume' || volumeNames.has(p))
        add(
          'dataset.under-volume',
          'error',
          w.at,
          `${w.name} would be inside the volume ${p}.`,
          'Put it under a filesystem dataset.',
        );
    }
  }
}

/** Whether the layout would create any dataset or zvol that does not exist yet. */
function createsAnything(inventory: Inventory, layout: Layout): boolean {
  const names = [
    ...layout.systems.flatMap((s) => [s.dataset, fakeEfiDataset(s.dataset)]),
    ...layout.volumes.map((vol) => vol.dataset),
  ];
  return names.some((name) => findDataset(inventory, name) === undefined);
}

function checkSpace(inventory: Inventory, layout: Layout, pool: ZfsPool, add: Add): void {
  const root = findDataset(inventory, pool.name);
  const available = root?.availableBytes ?? pool.freeBytes;
  if (available === null) {
    // zpool prints `-` for a pool it cannot open (FAULTED, UNAVAIL): nothing can be written there,
    // and without a number no reservation can be checked.
    if (createsAnything(inventory, layout))
      add(
        'space.unknown',
        'error',
        'pool',
        `The free space of ${pool.name} is unknown (the pool is ${pool.health}; zpool could not measure it), so nothing new can be put on it.`,
        `Bring ${pool.name} back first (zpool status ${pool.name} says what is missing; reconnect the disks, then zpool clear), or make the layout for another pool.`,
      );
    return;
  }
  let reserved = 0;
  // On RAID-Z, libzfs scales the data part of a reservation for parity and skip sectors.
  const raidz = raidzVdevsOf(pool);
  layout.systems.forEach((s) => {
    if (findDataset(inventory, fakeEfiDataset(s.dataset)) === undefined)
      reserved += zvolReservationBytes(FAKE_EFI_SIZE_BYTES, 4096, 1, undefined, raidz);
  });
  const snapshotted: { at: string; size: number; dataset: string }[] = [];
  layout.volumes.forEach((vol, i) => {
    const at = `volumes[${i}].sizeBytes`;
    if (pool.sizeBytes !== null && vol.sizeBytes > pool.sizeBytes) {
      add(
        'space.volume-larger-than-pool',
        'error',
        at,
        `${vol.dataset} would be ${gib(vol.sizeBytes)}, more than the whole pool ${pool.name} (${gib(pool.sizeBytes)}).`,
        'Choose a smaller size.',
      );
      return;
    }
    if (findDataset(inventory, vol.dataset) !== undefined) return;
    if (vol.provisioning === 'reserved') {
      reserved += zvolReservationBytes(vol.sizeBytes, vol.volblocksizeBytes, 1, undefined, raidz);
      if (vol.snapshots.policy !== 'none')
        snapshotted.push({
          at: `volumes[${i}].snapshots`,
          size: vol.sizeBytes,
          dataset: vol.dataset,
        });
    }
  });
  if (reserved > available) {
    add(
      'space.pool-full',
      'error',
      'volumes',
      `The new reserved volumes need ${gib(reserved)} (size plus ZFS metadata${raidz.length > 0 ? ' and RAID-Z parity' : ''}), but ${pool.name} has ${gib(available)} available.`,
      'Make the volumes smaller, make them sparse, or free space in the pool.',
    );
    return;
  }
  const left = available - reserved;
  for (const s of snapshotted) {
    // A snapshot of a reserved zvol must keep the whole volsize writable, so ZFS holds space for
    // everything the snapshot pins: up to the full size once the guest has written its disk.
    if (left < s.size)
      add(
        'space.snapshots-wont-fit',
        'warning',
        s.at,
        `Once the guest has filled ${s.dataset}, a snapshot needs up to ${gib(s.size)} more, and only ${gib(left)} would be left in ${pool.name}; snapshots would then fail.`,
        'Make the volume sparse, smaller, or free space in the pool.',
      );
  }
}

function checkBoot(inventory: Inventory, layout: Layout, pool: ZfsPool, add: Add): void {
  const { boot } = inventory;
  const nixos = inventory.os.nixos;
  if (boot.bootloader === 'systemd-boot' || nixos?.systemdBoot === true) {
    add(
      'boot.systemd-boot',
      'error',
      'systems',
      "The main system boots with systemd-boot, so there is no GRUB menu to add a chain entry to; the fake-EFI recipe relies on the main GRUB reading the new system's grub.cfg from the pool.",
      'Switch the main system to GRUB (boot.loader.grub with efiSupport), add a systemd-boot entry for the new system by hand (its kernel and initrd must then be on the ESP), or use ZFSBootMenu, which finds every system in the pool by itself.',
    );
  } else if (boot.bootloader !== 'grub' && nixos?.grub?.enable !== true) {
    add(
      'boot.unknown',
      'error',
      'systems',
      'Cohabit could not tell which boot loader the main system uses; the plan adds a GRUB menu entry, which only works with GRUB.',
      'Check that boot.loader.grub.enable is true on the main system.',
    );
  }
  if (boot.firmware !== 'uefi')
    add(
      'boot.bios',
      'error',
      'systems',
      "The machine boots in BIOS mode; the recipe installs the new system's GRUB as a removable EFI loader on a fake ESP.",
      'Boot the machine in UEFI mode.',
    );

  const { active, enabled } = grubUnreadableFeatures(pool.features);
  if (active.length > 0)
    add(
      'grub.pool-features',
      'error',
      'pool',
      `GRUB cannot read ${pool.name}: it uses ${active.join(', ')}, which GRUB does not know (OpenZFS compatibility.d/grub2). Choosing the chain entry would end in GRUB's error and back at its menu with the countdown stopped: nothing boots until someone picks another entry at the keyboard.`,
      GRUB_ALTERNATIVES,
    );
  else if (enabled.length > 0)
    add(
      'grub.pool-features-enabled',
      'warning',
      'pool',
      `${pool.name} has ${enabled.join(', ')} enabled; GRUB stops reading the pool as soon as one becomes active.`,
      `Keep them unused, or set \`zpool set compatibility=grub2 ${pool.name}\` before enabling more.`,
    );

  layout.systems.forEach((s, i) => {
    // The new dataset inherits compression and encryption; its /boot lives inside it.
    const parent = inheritedFrom(inventory, s.dataset);
    if (parent === undefined) return;
    if (parent.encryption !== null && parent.encryption !== 'off')
      add(
        'grub.boot-encrypted',
        'error',
        `systems[${i}].dataset`,
        `${s.dataset} would inherit encryption (${parent.encryption}) from ${parent.name}, and GRUB cannot read ZFS native encryption: the new system's /boot would be unreadable.`,
        `Put the system under an unencrypted dataset. ${GRUB_ALTERNATIVES}`,
      );
    if (parent.compression?.startsWith('zstd') === true)
      add(
        'grub.boot-zstd',
        'error',
        `systems[${i}].dataset`,
        `${s.dataset} would inherit zstd compression from ${parent.name}, which GRUB cannot read: the new system's /boot would be unreadable.`,
        `Put the system under a dataset with lz4 or no compression. ${GRUB_ALTERNATIVES}`,
      );
  });
}

function checkMainSystem(inventory: Inventory, add: Add): void {
  if (!inventory.os.isNixos || inventory.os.nixos === null)
    add(
      'main.not-nixos',
      'error',
      'layout',
      'The main system is not NixOS (or Cohabit could not read its configuration); the plan adds a NixOS module to it.',
      'Run Cohabit on the NixOS system that owns the pool.',
    );
  else if (inventory.os.nixos.flake)
    add(
      'main.flake',
      'info',
      'layout',
      'The main system is built from a flake: Cohabit writes no file of yours; the plan lists the module and the one line to add to your flake.',
    );
}

function checkHostId(
  inventory: Inventory,
  policy: Layout['systems'][number]['hostId'],
  at: string,
  add: Add,
): void {
  const main = inventory.os.nixos?.hostId ?? inventory.os.hostId;
  if (policy.policy === 'reuse') {
    if (main === null)
      add(
        'hostid.unknown',
        'error',
        at,
        'The main system has no networking.hostId to reuse, and ZFS on NixOS needs one.',
        'Set networking.hostId on the main system first, or choose a new hostId for this system.',
      );
    return;
  }
  if (policy.value === main) {
    add(
      'hostid.same',
      'info',
      at,
      `${policy.value} is the main system's hostId: this is the same as reusing it.`,
    );
    return;
  }
  add(
    'hostid.new',
    'warning',
    at,
    `A hostId of its own (${policy.value}) means the root pool was last imported by "another host" whenever you switch systems. NixOS then refuses to import it unless boot.zfs.forceImportRoot is true, which is no longer the default from stateVersion 26.11; the plan sets it on both systems.`,
    "Reuse the main system's hostId instead: both systems are this one machine.",
  );
}

function checkLuks(inventory: Inventory, pool: ZfsPool, copy: boolean, at: string, add: Add): void {
  const nixos = inventory.os.nixos;
  const luks = nixos?.luksDevices ?? [];
  const onLuks = pool.devices.some((d) => d.startsWith('/dev/mapper/'));
  if (!copy) {
    if (onLuks && luks.length > 0)
      add(
        'luks.required',
        'error',
        at,
        `${pool.name} sits on LUKS (${pool.devices.join(', ')}); without the main system's LUKS devices the new system cannot open it to boot.`,
        'Copy the LUKS settings from the main system.',
      );
    return;
  }
  if (luks.length === 0) return;
  const secrets = new Set((nixos?.initrdSecrets ?? []).map((s) => s.name));
  const keys = [...new Set(luks.map((d) => d.keyFile).filter((k): k is string => k !== null))];
  for (const key of keys) {
    if (!secrets.has(key))
      add(
        'luks.keyfile-not-secret',
        'warning',
        at,
        `The key file ${key} is not in the main system's boot.initrd.secrets, so Cohabit cannot tell where it comes from; the new system gets it through boot.initrd.secrets from a copy at the same path.`,
        `Check that ${key} exists on the main system.`,
      );
  }
  add(
    'luks.carried',
    'info',
    at,
    `The new system opens ${luks.map((d) => d.name).join(', ')} like the main system${keys.length > 0 ? `, with ${keys.join(', ')} copied into it and handed to the initrd through boot.initrd.secrets` : ''}.`,
  );
}
