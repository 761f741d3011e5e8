// Names and paths the validator and the planner agree on: where a new system's fake ESP lives,
// where the main system's module goes, where VM definitions are kept.
import type { Inventory, ZfsDataset } from '../model/inventory';
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
export const grubEntryId = (systemId: string): string => `cohabit-${systemId}`;
export const vmXmlPath = (name: string): string => `${VM_XML_DIR}/${name}.xml`;
export const systemMountPoint = (mountRoot: string, id: string): string => `${mountRoot}/${id}`;

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

/** A system is complete once its install finished: the last step stamps cohabit:system. */
export function isSystemInstalled(inventory: Inventory, dataset: string, id: string): boolean {
  const d = findDataset(inventory, dataset);
  return d !== undefined && isManaged(d, 'system') && d.cohabit['cohabit:system'] === id;
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
