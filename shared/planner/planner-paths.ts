// Names and paths the validator and the planner agree on: where a new system's fake ESP lives,
// where the main system's module goes, where VM definitions are kept.
import type { Inventory, ZfsDataset } from '../model/inventory';
import type { NixosSystem } from '../model/layout';
import { pathProblem } from '../model/names';

export const FAKE_EFI_SIZE_BYTES = 50 * 1024 * 1024;
export const DEFAULT_MOUNT_ROOT = '/mnt/cohabit';
export const VM_XML_DIR = '/var/lib/cohabit/vms';
export const MODULE_FILE_NAME = 'cohabit.nix';
export const IMPORT_LINE = './cohabit.nix';

export const fakeEfiDataset = (dataset: string): string => `${dataset}/fake-efi`;
export const fakeEfiDevice = (dataset: string): string => `/dev/zvol/${dataset}/fake-efi`;
export const fakeEfiPartition = (dataset: string): string => `/dev/zvol/${dataset}/fake-efi-part1`;
/** The `--id` of a new system's entry in the main system's GRUB menu. */
export const vmXmlPath = (name: string): string => `${VM_XML_DIR}/${name}.xml`;
export const systemMountPoint = (mountRoot: string, name: string): string => `${mountRoot}/${name}`;

/**
 * A system's name wherever the user meets it (its mount point, its `cohabit:system` stamp, its GRUB
 * entry's id): the last component of the dataset they chose, never the layout's internal id, which
 * the app makes up (issue 17). Dataset components are already safe in a path and a GRUB word.
 */
export const systemName = (system: Pick<NixosSystem, 'dataset'>): string =>
  system.dataset.slice(system.dataset.lastIndexOf('/') + 1);

/**
 * The GRUB entry's `--id` (for `default=` and grub-reboot): `cohabit-` and the system's name,
 * lowercased, with anything but a-z, 0-9 and `-` made a `-` (a dataset may hold `A-Z`, `_` and
 * `.`; the emitter allows only what needs no care in GRUB's `default` and grub-reboot).
 */
export const grubEntryId = (system: Pick<NixosSystem, 'dataset'>): string =>
  `cohabit-${systemName(system)
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')}`;

/** The main system's configuration.nix: what NixOS evaluated, when it is a plain safe path. */
export function mainConfigurationPath(inventory: Inventory): string {
  const path = inventory.os.nixos?.configurationPath ?? null;
  if (path !== null && pathProblem(path) === null && path.endsWith('.nix')) return path;
  return '/etc/nixos/configuration.nix';
}

/** cohabit.nix sits beside configuration.nix, so the import line is `./cohabit.nix`. */
export function mainModulePath(inventory: Inventory): string {
  const config = mainConfigurationPath(inventory);
  return `${config.slice(0, config.lastIndexOf('/'))}/${MODULE_FILE_NAME}`;
}

export function findDataset(inventory: Inventory, name: string): ZfsDataset | undefined {
  return inventory.zfs.datasets.find((d) => d.name === name);
}

/** Made by Cohabit in this role: what a previous plan realised, not someone else's dataset. */
export function isManaged(dataset: ZfsDataset, role: string): boolean {
  return dataset.cohabit['cohabit:managed'] === 'on' && dataset.cohabit['cohabit:role'] === role;
}

/**
 * A system is complete once its install finished: the last step stamps cohabit:system with its
 * name. Plans made before names followed the dataset stamped the layout's id: that counts too.
 */
export function isSystemInstalled(
  inventory: Inventory,
  system: Pick<NixosSystem, 'dataset' | 'id'>,
): boolean {
  const d = findDataset(inventory, system.dataset);
  const stamp = d?.cohabit['cohabit:system'];
  return (
    d !== undefined &&
    isManaged(d, 'system') &&
    (stamp === systemName(system) || stamp === system.id)
  );
}

export const parentDataset = (name: string): string | null =>
  name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : null;

/** The dataset's value of a property it would inherit: the nearest existing ancestor's. */
export function inheritedFrom(inventory: Inventory, name: string): ZfsDataset | undefined {
  for (let p = parentDataset(name); p !== null; p = parentDataset(p)) {
    const d = findDataset(inventory, p);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Where the new system keeps the initrd key files it was given (root-only, inside its /etc). */
export const NEW_SYSTEM_SECRETS_DIR = '/etc/secrets/initrd';

export interface SecretCopy {
  /** The path inside the initrd, as the LUKS keyFile names it. */
  name: string;
  /** Where the main system has the file: its boot.initrd.secrets source, else the name itself. */
  source: string;
  /** Where the new system keeps it, relative to its root; its boot.initrd.secrets reads it there. */
  target: string;
}

/** The LUKS key files the new system needs, where they come from and where they go. */
export function secretCopies(inventory: Inventory): SecretCopy[] {
  const nixos = inventory.os.nixos;
  if (nixos === null) return [];
  const names = [
    ...new Set(nixos.luksDevices.map((d) => d.keyFile).filter((k): k is string => k !== null)),
  ];
  return names.map((name) => {
    const source = nixos.initrdSecrets.find((s) => s.name === name)?.source ?? name;
    const base = name.split('/').filter(Boolean).pop() ?? 'key';
    return { name, source, target: `${NEW_SYSTEM_SECRETS_DIR}/${base}` };
  });
}
