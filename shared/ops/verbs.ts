// The closed list of privileged verbs (DESIGN.md section 4): each with its argument schema, its
// risk class, the argv it runs and the argv that undoes it. There is no "run this command" verb:
// a plan is a list of these, and the root helper re-parses every argument with these schemas.
import * as v from 'valibot';
import { COMPRESSIONS, VOLBLOCKSIZES } from '../model/layout';
import { DatasetNameSchema, SafePathSchema } from '../model/names';
import { CohabitEntryIdSchema, GrubEnvFileSchema } from './boot-once-args';

export const RiskSchema = v.picklist(['read-only', 'creates', 'modifies', 'destructive']);
export type Risk = v.InferOutput<typeof RiskSchema>;

const ZvolDevice = v.pipe(
  SafePathSchema,
  v.startsWith('/dev/zvol/', 'the device must be a zvol under /dev/zvol/'),
);
const CohabitRole = v.picklist(['system', 'system-esp', 'vm-volume']);
const SnapshotName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/, 'a snapshot name is letters, digits, _ . : -'),
);
const CohabitProp = v.picklist([
  'cohabit:managed',
  'cohabit:role',
  'cohabit:system',
  'cohabit:journal',
]);
const PropValue = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_.:/@+-]{1,200}$/, 'a property value is letters, digits and _ . : / @ + -'),
);
const FsType = v.picklist(['zfs', 'vfat']);
const MountOption = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9_]+(=[a-z0-9_]+)?$/, 'a mount option is a plain word'),
);
const FatLabel = v.pipe(
  v.string(),
  v.regex(/^[A-Z0-9_-]{1,11}$/, 'a FAT label is up to 11 upper-case letters, digits, _ and -'),
);
const Mode = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0o777));
const Sha256 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));

/** Each verb's arguments. Strict objects: an unknown key is an error, not ignored. */
export const verbArgs = {
  'zfs.createDataset': v.strictObject({
    dataset: DatasetNameSchema,
    role: CohabitRole,
    system: v.optional(PropValue),
  }),
  'zfs.createVolume': v.strictObject({
    dataset: DatasetNameSchema,
    sizeBytes: v.pipe(v.number(), v.integer(), v.minValue(1024 * 1024)),
    volblocksizeBytes: v.picklist(VOLBLOCKSIZES),
    sparse: v.boolean(),
    compression: v.picklist(COMPRESSIONS),
    role: CohabitRole,
    system: v.optional(PropValue),
  }),
  'zfs.snapshot': v.strictObject({ dataset: DatasetNameSchema, snapshot: SnapshotName }),
  'zfs.setUserProp': v.strictObject({
    dataset: DatasetNameSchema,
    property: CohabitProp,
    value: PropValue,
    previous: v.nullable(PropValue),
  }),
  'zfs.destroyManaged': v.strictObject({ dataset: DatasetNameSchema }),
  'disk.partitionEsp': v.strictObject({ device: ZvolDevice }),
  'disk.waitForDevice': v.strictObject({
    path: SafePathSchema,
    timeoutSeconds: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(300)),
  }),
  'disk.mkfsFat': v.strictObject({ device: ZvolDevice, label: FatLabel }),
  'fs.mkdir': v.strictObject({ path: SafePathSchema, mode: Mode }),
  'fs.mount': v.strictObject({
    source: v.union([DatasetNameSchema, SafePathSchema]),
    target: SafePathSchema,
    fstype: FsType,
    options: v.array(MountOption),
  }),
  'fs.unmount': v.strictObject({
    target: SafePathSchema,
    source: v.union([DatasetNameSchema, SafePathSchema]),
    fstype: FsType,
    options: v.array(MountOption),
  }),
  'file.write': v.strictObject({
    path: SafePathSchema,
    content: v.pipe(v.string(), v.maxLength(1024 * 1024)),
    mode: Mode,
    /** The SHA-256 of the file as the plan saw it, or null when it did not exist: the helper refuses if it changed since. */
    previousSha256: v.nullable(Sha256),
  }),
  'file.copySecret': v.strictObject({ source: SafePathSchema, target: SafePathSchema, mode: Mode }),
  'nixos.generateConfig': v.strictObject({ root: SafePathSchema }),
  'nixos.install': v.strictObject({ root: SafePathSchema }),
  'nixos.rebuild': v.strictObject({ action: v.picklist(['boot']) }),
  'libvirt.define': v.strictObject({
    name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)),
    xmlPath: SafePathSchema,
  }),
  /** Boot a Cohabit entry once: GRUB's next_entry, which NixOS's grub.cfg clears as it boots. */
  'grub.bootOnce': v.strictObject({ envFile: GrubEnvFileSchema, entryId: CohabitEntryIdSchema }),
} as const;

export type Verb = keyof typeof verbArgs;
export type VerbArgs<V extends Verb> = v.InferOutput<(typeof verbArgs)[V]>;
export const VERBS = Object.keys(verbArgs) as Verb[];

export type VerbCall = { [V in Verb]: { verb: V; args: VerbArgs<V> } }[Verb];

/**
 * A verb with its arguments, as a plan carries it. valibot cannot infer a variant built from a
 * mapped list, so the schema is typed by hand: it parses exactly the union VerbCall describes.
 */
export const VerbCallSchema = v.variant(
  'verb',
  VERBS.map((verb) =>
    v.strictObject({ verb: v.literal(verb), args: verbArgs[verb] }),
  ) as unknown as [
    v.StrictObjectSchema<
      { verb: v.LiteralSchema<Verb, undefined>; args: v.GenericSchema },
      undefined
    >,
  ],
) as unknown as v.GenericSchema<unknown, VerbCall>;

const LIBVIRT = ['virsh', '--connect', 'qemu:///system'];

/**
 * Every mount Cohabit makes is nosuid,nodev, whatever the plan says (issue 13): nothing a dataset
 * holds can become a set-uid program or a device node for the host. nixos-install needs neither
 * (docs/decisions.md). The plan's own options come after; the helper refuses suid, dev and the
 * like among them, since a later option would win.
 */
export function mountArgv(
  fstype: string,
  options: readonly string[],
  source: string,
  target: string,
): string[] {
  const rest = options.filter((o) => o !== 'nosuid' && o !== 'nodev');
  return ['mount', '-t', fstype, '-o', ['nosuid', 'nodev', ...rest].join(','), source, target];
}

/** What one verb does: how risky, what runs (null for verbs the executor performs itself). */
export interface VerbSpec<V extends Verb> {
  risk: (args: VerbArgs<V>) => Risk;
  argv: (args: VerbArgs<V>) => string[] | null;
  /** The argv lists that undo it, in order; [] with a reason when another step's undo covers it. */
  undo: (args: VerbArgs<V>) => { argv: string[][]; text: string };
}

const cohabitProps = (role: string, system: string | undefined, journal: string) => [
  '-o',
  'cohabit:managed=on',
  '-o',
  `cohabit:role=${role}`,
  ...(system === undefined ? [] : ['-o', `cohabit:system=${system}`]),
  '-o',
  `cohabit:journal=${journal}`,
];

/** The journal id is stamped on every dataset a plan creates, so destroy can check it made it. */
// Long because it is the table of every verb (argv, undo, risk), one entry each, read top to
// bottom.
export function verbSpecs(journal: string): { [V in Verb]: VerbSpec<V> } {
  return {
    'zfs.createDataset': {
      risk: () => 'creates',
      argv: (a) => [
        'zfs',
        'create',
        '-o',
        'mountpoint=legacy',
        ...cohabitProps(a.role, a.system, journal),
        a.dataset,
      ],
      undo: (a) => ({
        argv: [['zfs', 'destroy', '-r', a.dataset]],
        text: `Destroy ${a.dataset} and everything under it (it was created by this plan).`,
      }),
    },
    'zfs.createVolume': {
      risk: () => 'creates',
      argv: (a) => [
        'zfs',
        'create',
        ...(a.sparse ? ['-s'] : []),
        '-V',
        String(a.sizeBytes),
        '-o',
        `volblocksize=${a.volblocksizeBytes}`,
        '-o',
        `compression=${a.compression}`,
        ...cohabitProps(a.role, a.system, journal),
        a.dataset,
      ],
      undo: (a) => ({
        argv: [['zfs', 'destroy', '-r', a.dataset]],
        text: `Destroy the volume ${a.dataset} (it was created by this plan).`,
      }),
    },
    'zfs.snapshot': {
      risk: () => 'creates',
      argv: (a) => ['zfs', 'snapshot', `${a.dataset}@${a.snapshot}`],
      undo: (a) => ({
        argv: [['zfs', 'destroy', `${a.dataset}@${a.snapshot}`]],
        text: `Destroy the snapshot ${a.dataset}@${a.snapshot}.`,
      }),
    },
    'zfs.setUserProp': {
      risk: () => 'modifies',
      argv: (a) => ['zfs', 'set', `${a.property}=${a.value}`, a.dataset],
      undo: (a) =>
        a.previous === null
          ? {
              argv: [['zfs', 'inherit', a.property, a.dataset]],
              text: `Remove ${a.property} from ${a.dataset} again.`,
            }
          : {
              argv: [['zfs', 'set', `${a.property}=${a.previous}`, a.dataset]],
              text: `Set ${a.property} back to ${a.previous}.`,
            },
    },
    'zfs.destroyManaged': {
      risk: () => 'destructive',
      argv: (a) => ['zfs', 'destroy', '-r', a.dataset],
      undo: () => ({
        argv: [],
        text: 'Cannot be undone: the data is gone. Cohabit only destroys what this same plan created.',
      }),
    },
    'disk.partitionEsp': {
      risk: () => 'creates',
      argv: (a) => [
        'sgdisk',
        '--new=1:0:0',
        '--typecode=1:ef00',
        '--change-name=1:fake-efi',
        a.device,
      ],
      undo: (a) => ({
        argv: [['sgdisk', '--zap-all', a.device]],
        text: `Remove the partition table from ${a.device}.`,
      }),
    },
    'disk.waitForDevice': {
      risk: () => 'read-only',
      argv: (a) => [
        'udevadm',
        'settle',
        `--timeout=${a.timeoutSeconds}`,
        `--exit-if-exists=${a.path}`,
      ],
      undo: () => ({ argv: [], text: 'Nothing to undo: it only waits.' }),
    },
    'disk.mkfsFat': {
      risk: () => 'creates',
      argv: (a) => ['mkfs.fat', '-n', a.label, a.device],
      undo: (a) => ({
        argv: [['wipefs', '--all', a.device]],
        text: `Erase the FAT signature from ${a.device}.`,
      }),
    },
    'fs.mkdir': {
      risk: () => 'creates',
      argv: (a) => ['mkdir', '-m', a.mode.toString(8), a.path],
      undo: (a) => ({ argv: [['rmdir', a.path]], text: `Remove the empty directory ${a.path}.` }),
    },
    'fs.mount': {
      risk: () => 'creates',
      argv: (a) => mountArgv(a.fstype, a.options, a.source, a.target),
      undo: (a) => ({ argv: [['umount', a.target]], text: `Unmount ${a.target}.` }),
    },
    'fs.unmount': {
      risk: () => 'modifies',
      argv: (a) => ['umount', a.target],
      undo: (a) => ({
        argv: [mountArgv(a.fstype, a.options, a.source, a.target)],
        text: `Mount ${a.source} on ${a.target} again.`,
      }),
    },
    'file.write': {
      risk: (a) => (a.previousSha256 === null ? 'creates' : 'modifies'),
      argv: () => null,
      undo: (a) =>
        a.previousSha256 === null
          ? { argv: [['rm', '--', a.path]], text: `Remove ${a.path} (it did not exist before).` }
          : {
              argv: [],
              text: `Put back the copy of ${a.path} saved before it was changed (kept under /var/lib/cohabit/backups).`,
            },
    },
    'file.copySecret': {
      risk: () => 'creates',
      argv: (a) => ['install', '-D', '-m', a.mode.toString(8), '--', a.source, a.target],
      undo: (a) => ({
        argv: [['rm', '--', a.target]],
        text: `Remove the copied secret ${a.target}.`,
      }),
    },
    'nixos.generateConfig': {
      risk: () => 'creates',
      argv: (a) => ['nixos-generate-config', '--root', a.root],
      undo: (a) => ({
        argv: [],
        text: `Nothing to undo on its own: the files are written inside ${a.root}, whose dataset is destroyed on rollback.`,
      }),
    },
    'nixos.install': {
      risk: () => 'creates',
      argv: (a) => ['nixos-install', '--root', a.root, '--no-root-passwd'],
      undo: (a) => ({
        argv: [],
        text: `Nothing to undo on its own: the system is installed inside ${a.root}, whose dataset is destroyed on rollback.`,
      }),
    },
    'nixos.rebuild': {
      risk: () => 'modifies',
      argv: (a) => ['nixos-rebuild', a.action],
      undo: () => ({
        argv: [['nixos-rebuild', 'boot', '--rollback']],
        text: 'Make the previous generation the boot default again.',
      }),
    },
    'libvirt.define': {
      risk: () => 'creates',
      argv: (a) => [...LIBVIRT, 'define', a.xmlPath],
      undo: (a) => ({
        argv: [[...LIBVIRT, 'undefine', '--nvram', a.name]],
        text: `Remove the VM definition ${a.name}.`,
      }),
    },
    // grub-editenv from the system's own GRUB package: the helper's PATH is the system's
    // (/run/current-system/sw/bin holds it, grub.nix puts the grub package in systemPackages).
    'grub.bootOnce': {
      risk: () => 'modifies',
      argv: (a) => ['grub-editenv', a.envFile, 'set', `next_entry=${a.entryId}`],
      undo: (a) => ({
        argv: [['grub-editenv', a.envFile, 'unset', 'next_entry']],
        text: 'Forget the one-time choice: GRUB starts its default entry (the main system) again.',
      }),
    },
  };
}

export function specOf<V extends Verb>(
  call: { verb: V; args: VerbArgs<V> },
  journal: string,
): VerbSpec<V> {
  return verbSpecs(journal)[call.verb];
}
