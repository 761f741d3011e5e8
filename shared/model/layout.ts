// The Layout: the desired state the user draws (DESIGN.md section 4), as a versioned JSON schema.
// A plan is what it takes to get from the inventory to this. Every name is checked against the
// strict grammars in names.ts here, at the boundary, so nothing downstream sees a hostile string.
import * as v from 'valibot';
import { PciAddressSchema } from './inventory';
import {
  DatasetNameSchema,
  HOST_ID_RE,
  ID_RE,
  MenuLabelSchema,
  PASSWORD_HASH_RE,
  POOL_NAME_RE,
  SafePathSchema,
  USER_NAME_RE,
  VM_NAME_RE,
} from './names';

export const LAYOUT_FORMAT = 'cohabit-layout/1';

export const MAIN_CONFIGURATION_MODES = ['edit', 'module-only'] as const;
export type MainConfigurationMode = (typeof MAIN_CONFIGURATION_MODES)[number];

const Id = v.pipe(
  v.string(),
  v.regex(ID_RE, 'an id is lower-case letters, digits and -, starting with a letter'),
);
const PositiveInt = (what: string, max: number) =>
  v.pipe(
    v.number(`${what} must be a number`),
    v.integer(`${what} must be a whole number`),
    v.minValue(1, `${what} must be at least 1`),
    v.maxValue(max, `${what} can be at most ${max}`),
  );

export const HostIdPolicySchema = v.variant('policy', [
  /** Share the main system's hostId (default): the pool imports under both systems. */
  v.strictObject({ policy: v.literal('reuse') }),
  /** A new hostId, as the original recipe did: both systems then need boot.zfs.forceImportRoot. */
  v.strictObject({
    policy: v.literal('new'),
    value: v.pipe(v.string(), v.regex(HOST_ID_RE, 'a hostId is 8 lower-case hex digits')),
  }),
]);

export const NixosSystemSchema = v.strictObject({
  id: Id,
  dataset: DatasetNameSchema,
  label: MenuLabelSchema,
  hostId: HostIdPolicySchema,
  /** What to carry over from the main system's configuration. */
  copyFromMain: v.strictObject({
    /** LUKS devices (and key files, through boot.initrd.secrets) needed to import the pool. */
    luks: v.boolean(),
    /** boot.zfs settings, boot.supportedFilesystems and the kernel package. */
    zfs: v.boolean(),
  }),
  user: v.strictObject({
    name: v.pipe(
      v.string(),
      v.regex(USER_NAME_RE, 'a user name is lower-case letters, digits, _ and -'),
    ),
    passwordHash: v.pipe(
      v.string(),
      v.regex(PASSWORD_HASH_RE, 'a password hash is a crypt(3) string such as $y$… from mkpasswd'),
    ),
    wheel: v.boolean(),
  }),
  /** Defaults to the main system's stateVersion. */
  stateVersion: v.optional(
    v.pipe(v.string(), v.regex(/^\d{2}\.\d{2}$/, 'stateVersion looks like 25.11')),
  ),
});
export type NixosSystem = v.InferOutput<typeof NixosSystemSchema>;

export const SnapshotPolicySchema = v.variant('policy', [
  v.strictObject({ policy: v.literal('none') }),
  /** services.sanoid on the main system takes and prunes snapshots of the volume. */
  v.strictObject({
    policy: v.literal('sanoid'),
    hourly: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)),
    daily: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)),
    monthly: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)),
  }),
]);

export const VOLBLOCKSIZES = [4096, 8192, 16384, 32768, 65536, 131072] as const;
export const COMPRESSIONS = ['off', 'lz4', 'zstd', 'zle', 'gzip'] as const;

export const VmVolumeSchema = v.strictObject({
  id: Id,
  dataset: DatasetNameSchema,
  sizeBytes: v.pipe(
    v.number('the size must be a number'),
    v.integer('the size must be a whole number of bytes'),
    v.minValue(64 * 1024 * 1024, 'a VM volume must be at least 64 MiB'),
    v.maxValue(2 ** 53 - 1, 'the size is too large'),
  ),
  volblocksizeBytes: v.picklist(VOLBLOCKSIZES),
  /** sparse: no refreservation, space is taken as written; reserved: the pool sets volsize aside. */
  provisioning: v.picklist(['sparse', 'reserved']),
  compression: v.picklist(COMPRESSIONS),
  snapshots: SnapshotPolicySchema,
});
export type VmVolume = v.InferOutput<typeof VmVolumeSchema>;

export const VmSchema = v.strictObject({
  id: Id,
  name: v.pipe(v.string(), v.regex(VM_NAME_RE, 'a VM name is letters, digits, _ . -')),
  kind: v.picklist(['macos', 'other']),
  /** The id of the volume that is the VM's system disk. */
  volume: Id,
  vcpus: PositiveInt('the number of vCPUs', 256),
  memoryMiB: v.pipe(
    v.number('memory must be a number'),
    v.integer('memory must be a whole number of MiB'),
    v.minValue(512, 'a VM needs at least 512 MiB of memory'),
    v.maxValue(16 * 1024 * 1024, 'memory can be at most 16 TiB'),
  ),
  hugepages: v.boolean(),
  /** PCI addresses passed to the VM (GPUs, USB controllers, ...). The analysis adds what must go along. */
  devices: v.array(PciAddressSchema),
  /** The user's OpenCore image for a macOS VM; Cohabit ships none. */
  openCoreImage: v.optional(SafePathSchema),
});
export type Vm = v.InferOutput<typeof VmSchema>;

export const LayoutSchema = v.strictObject({
  format: v.literal(
    LAYOUT_FORMAT,
    `this is not a ${LAYOUT_FORMAT} file (unknown format or version)`,
  ),
  pool: v.pipe(v.string(), v.regex(POOL_NAME_RE, 'a pool name is letters, digits, _ . -')),
  host: v.strictObject({
    /** The host runs without a display, so its boot_vga GPU may be passed too. */
    headless: v.boolean(),
    /**
     * What the plan does to the main system: `edit` (the default) adds the import line to its
     * configuration.nix and runs `nixos-rebuild boot`; `module-only` writes cohabit.nix and shows
     * the line to add, editing nothing else and rebuilding nothing (issue 18).
     */
    mainConfiguration: v.optional(v.picklist(MAIN_CONFIGURATION_MODES)),
    /**
     * Where the VFIO binding goes: a NixOS specialisation, a boot entry of its own (the default,
     * also when absent: layouts written before this field keep their meaning), or the default
     * entry itself.
     */
    vfioEntry: v.optional(v.picklist(['specialisation', 'default'])),
  }),
  systems: v.array(NixosSystemSchema),
  volumes: v.array(VmVolumeSchema),
  vms: v.array(VmSchema),
});
export type Layout = v.InferOutput<typeof LayoutSchema>;

/** Where the layout puts the VFIO binding; absent means a specialisation. */
export function vfioEntryOf(layout: Layout): 'specialisation' | 'default' {
  return layout.host.vfioEntry ?? 'specialisation';
}

export function emptyLayout(pool: string): Layout {
  return {
    format: LAYOUT_FORMAT,
    pool,
    host: { headless: false },
    systems: [],
    volumes: [],
    vms: [],
  };
}

/** `systems[0].dataset` style paths, for diagnostics that point at one element. */
export function issuePath(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? [])
    .map((p) => (typeof p.key === 'number' ? `[${p.key}]` : `.${String(p.key)}`))
    .join('')
    .replace(/^\./, '');
}
