// Renders block devices and ZFS pools the way the real tools print them: `lsblk -J -b -O`
// (util-linux 2.40/2.41 JSON, columns in the alphabetical order those versions use), and OpenZFS
// 2.2/2.3 `zpool list|get -Hp`, `zpool status -P` and `zfs list -Hp`, so the machines built on
// them feed the inventory the same bytes a real machine would.

/** A filesystem (or container) signature on a block device, as blkid/udev report it. */
export interface FsSignature {
  type: string;
  version: string | null;
  label: string | null;
  uuid: string | null;
}

/** Usage numbers lsblk shows only for mounted filesystems. */
export interface FsUsage {
  sizeBytes: number;
  usedBytes: number;
  availBytes: number;
}

export interface MountInfo {
  target: string;
  /** What /proc/mounts shows as the source, e.g. `/dev/nvme0n1p1` or `zroot/root`. */
  source: string;
  fstype: string;
  options: string;
}

/** A device-mapper crypt target opened on top of a LUKS partition. */
export interface CryptMapping {
  name: string;
  dmIndex: number;
  /** The LUKS header UUID (the partition's blkid UUID). */
  luksUuid: string;
  luksVersion: '1' | '2';
  /** What is inside the opened container. */
  content: FsSignature | null;
  mounts?: MountInfo[];
  usage?: FsUsage;
}

export interface PartitionSpec {
  number: number;
  startSector: number;
  sizeBytes: number;
  partType: string;
  partTypeName: string;
  partLabel: string | null;
  partUuid: string;
  fs: FsSignature | null;
  mounts?: MountInfo[];
  usage?: FsUsage;
  crypt?: CryptMapping;
}

export interface DiskSpec {
  /** Kernel name: nvme0n1, sda, zd0. */
  name: string;
  transport: 'nvme' | 'sata' | 'zvol';
  /** PCI address of the controller (null for zvols). */
  controller: string | null;
  /** nvme: controller index (nvme0); sata: ata port number (1-based) and SCSI host. */
  nvmeIndex?: number;
  ata?: { port: number; host: number };
  /** For zvols: the dataset behind /dev/zd*. */
  zvolDataset?: string;
  sizeBytes: number;
  model: string | null;
  serial: string | null;
  /** `eui.…` for NVMe, `0x…` for SATA, null when the device has none. */
  wwn: string | null;
  revision: string | null;
  rotational: boolean;
  logicalSector: number;
  physicalSector: number;
  pttype: 'gpt' | 'dos' | null;
  ptuuid: string | null;
  /** Whole-disk signature (no partition table), e.g. a whole-disk ZFS member. */
  fs?: FsSignature | null;
  partitions: PartitionSpec[];
  /** udev's /dev/disk/by-id names for the whole disk (partitions add `-partN`). */
  byId: string[];
  diskSeq: number;
  queues: number;
}

export function major(disk: DiskSpec): number {
  if (disk.transport === 'nvme') return 259;
  if (disk.transport === 'zvol') return 230;
  return 8;
}

interface DevNumbers {
  disk: string;
  parts: string[];
}

/**
 * Device numbers as the kernel hands them out: NVMe namespaces and their partitions share the
 * dynamic block-extended major 259 in probe order; sd disks own 16 minors each; zvols 16 each.
 */
export function deviceNumbers(disks: readonly DiskSpec[]): Map<string, DevNumbers> {
  const result = new Map<string, DevNumbers>();
  let nextExt = 0;
  let sdIndex = 0;
  let zdIndex = 0;
  for (const disk of disks) {
    if (disk.transport === 'nvme') {
      const d = `259:${nextExt++}`;
      result.set(disk.name, { disk: d, parts: disk.partitions.map(() => `259:${nextExt++}`) });
    } else if (disk.transport === 'sata') {
      const base = sdIndex++ * 16;
      result.set(disk.name, {
        disk: `8:${base}`,
        parts: disk.partitions.map((p) => `8:${base + p.number}`),
      });
    } else {
      const base = zdIndex++ * 16;
      result.set(disk.name, {
        disk: `230:${base}`,
        parts: disk.partitions.map((p) => `230:${base + p.number}`),
      });
    }
  }
  return result;
}

export function partitionName(disk: DiskSpec, number: number): string {
  return /\d$/.test(disk.name) ? `${disk.name}p${number}` : `${disk.name}${number}`;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

interface LsblkRow {
  name: string;
  kname: string;
  path: string;
  majMin: string;
  type: string;
  sizeBytes: number;
  fs: FsSignature | null;
  mounts: MountInfo[];
  usage: FsUsage | null;
  partition: PartitionSpec | null;
  disk: DiskSpec;
  pkname: string | null;
  isWholeDisk: boolean;
  isDm: boolean;
  idLink: string | null;
}

function shortest(names: readonly string[]): string | null {
  let best: string | null = null;
  for (const n of names) if (best === null || n.length < best.length) best = n;
  return best;
}

/** One object with every `-O` column, keys in util-linux 2.40's (alphabetical) column order. */
function lsblkObject(row: LsblkRow): { [key: string]: Json } {
  const { disk, partition } = row;
  const nvme = disk.transport === 'nvme';
  const sata = disk.transport === 'sata';
  const mounted = row.mounts.length > 0;
  const usage = mounted ? row.usage : null;
  const percent =
    usage === null
      ? null
      : `${Math.round((usage.usedBytes / Math.max(usage.sizeBytes, 1)) * 100)}%`;
  const rotational = row.isDm ? false : disk.rotational;
  const discardMax = row.isDm ? 2199023255040 : nvme ? 2199023255040 : sata ? 0 : 131072;
  return {
    alignment: 0,
    'id-link': row.idLink,
    id: row.idLink === null ? null : row.idLink.replace(/^[a-z]+-/, ''),
    'disc-aln': 0,
    dax: false,
    'disc-gran': nvme || row.isDm ? 512 : sata ? 0 : 131072,
    'disk-seq': disk.diskSeq,
    'disc-max': discardMax,
    'disc-zero': false,
    fsavail: usage === null ? null : usage.availBytes,
    fsroots: mounted ? row.mounts.map(() => '/') : [null],
    fssize: usage === null ? null : usage.sizeBytes,
    fstype: row.fs?.type ?? null,
    fsused: usage === null ? null : usage.usedBytes,
    'fsuse%': percent,
    fsver: row.fs?.version ?? null,
    group: 'disk',
    hctl: row.isWholeDisk && sata && disk.ata ? `${disk.ata.host}:0:0:0` : null,
    hotplug: false,
    kname: row.kname,
    label: row.fs?.label ?? null,
    'log-sec': disk.logicalSector,
    'maj:min': row.majMin,
    'min-io': disk.physicalSector,
    mode: 'brw-rw----',
    model: row.isWholeDisk ? disk.model : null,
    mq: `${row.isDm ? 1 : disk.queues}`.padStart(3, ' '),
    name: row.name,
    'opt-io': 0,
    owner: 'root',
    partflags: null,
    partlabel: partition?.partLabel ?? null,
    partn: partition?.number ?? null,
    parttype: partition?.partType ?? null,
    parttypename: partition?.partTypeName ?? null,
    partuuid: partition?.partUuid ?? null,
    path: row.path,
    'phy-sec': disk.physicalSector,
    pkname: row.pkname,
    pttype: row.isWholeDisk ? disk.pttype : null,
    ptuuid: row.isWholeDisk ? disk.ptuuid : null,
    ra: row.isDm ? 4096 : 128,
    rand: sata && !row.isDm,
    rev: row.isWholeDisk && sata ? disk.revision : null,
    rm: false,
    ro: false,
    rota: rotational,
    'rq-size': row.isDm ? 128 : nvme ? 1023 : sata ? 64 : 256,
    sched: row.isDm || nvme || disk.transport === 'zvol' ? 'none' : 'mq-deadline',
    serial: row.isWholeDisk ? disk.serial : null,
    size: row.sizeBytes,
    start: partition === null ? null : partition.startSector,
    state: row.isWholeDisk
      ? nvme
        ? 'live'
        : sata
          ? 'running'
          : null
      : row.isDm
        ? 'running'
        : null,
    subsystems:
      row.isDm || disk.transport === 'zvol' ? 'block' : nvme ? 'block:nvme:pci' : 'block:scsi:pci',
    mountpoint: mounted ? (row.mounts[0]?.target ?? null) : null,
    mountpoints: mounted ? row.mounts.map((m) => m.target) : [null],
    tran: row.isWholeDisk ? (nvme ? 'nvme' : sata ? 'sata' : null) : null,
    type: row.type,
    uuid: row.fs?.uuid ?? null,
    vendor: row.isWholeDisk && sata ? 'ATA     ' : null,
    wsame: 0,
    wwn: row.isDm ? null : disk.wwn,
    zoned: 'none',
    'zone-sz': 0,
    'zone-wgran': 0,
    'zone-app': 0,
    'zone-nr': 0,
    'zone-omax': 0,
    'zone-amax': 0,
  };
}

/** `lsblk -J -b -O`: disks sorted by device number, partitions and crypt mappings as children. */
export function renderLsblk(disks: readonly DiskSpec[]): string {
  const numbers = deviceNumbers(disks);
  const ordered = [...disks].sort((a, b) => {
    const na = numbers.get(a.name)?.disk ?? '0:0';
    const nb = numbers.get(b.name)?.disk ?? '0:0';
    const [ma = 0, mi = 0] = na.split(':').map(Number);
    const [mb = 0, mj = 0] = nb.split(':').map(Number);
    return ma - mb || mi - mj;
  });
  const devices: Json[] = ordered.map((disk) => {
    const nums = numbers.get(disk.name);
    const diskObject = lsblkObject({
      name: disk.name,
      kname: disk.name,
      path: `/dev/${disk.name}`,
      majMin: nums?.disk ?? '0:0',
      type: 'disk',
      sizeBytes: disk.sizeBytes,
      fs: disk.fs ?? null,
      mounts: [],
      usage: null,
      partition: null,
      disk,
      pkname: null,
      isWholeDisk: true,
      isDm: false,
      idLink: shortest(disk.byId),
    });
    if (disk.partitions.length > 0) {
      diskObject['children'] = disk.partitions.map((part, index) => {
        const pname = partitionName(disk, part.number);
        const child = lsblkObject({
          name: pname,
          kname: pname,
          path: `/dev/${pname}`,
          majMin: nums?.parts[index] ?? '0:0',
          type: 'part',
          sizeBytes: part.sizeBytes,
          fs: part.crypt
            ? {
                type: 'crypto_LUKS',
                version: part.crypt.luksVersion,
                label: null,
                uuid: part.crypt.luksUuid,
              }
            : part.fs,
          mounts: part.mounts ?? [],
          usage: part.usage ?? null,
          partition: part,
          disk,
          pkname: disk.name,
          isWholeDisk: false,
          isDm: false,
          idLink: shortest(disk.byId.map((id) => `${id}-part${part.number}`)),
        });
        const crypt = part.crypt;
        if (crypt) {
          child['children'] = [
            lsblkObject({
              name: crypt.name,
              kname: `dm-${crypt.dmIndex}`,
              path: `/dev/mapper/${crypt.name}`,
              majMin: `254:${crypt.dmIndex}`,
              type: 'crypt',
              sizeBytes:
                part.sizeBytes - (crypt.luksVersion === '2' ? 16 * 1024 * 1024 : 2 * 1024 * 1024),
              fs: crypt.content,
              mounts: crypt.mounts ?? [],
              usage: crypt.usage ?? null,
              partition: null,
              disk,
              pkname: pname,
              isWholeDisk: false,
              isDm: true,
              idLink: `dm-name-${crypt.name}`,
            }),
          ];
        }
        return child;
      });
    }
    return diskObject;
  });
  return `${JSON.stringify({ blockdevices: devices }, null, 3)}\n`;
}

// ---------------------------------------------------------------------------------------------
// ZFS

export type FeatureState = 'active' | 'enabled' | 'disabled';

/** OpenZFS pool features in the order `zpool get all` prints them (the spa_feature_t order). */
export const OPENZFS_2_2_FEATURES = [
  'async_destroy',
  'empty_bpobj',
  'lz4_compress',
  'multi_vdev_crash_dump',
  'spacemap_histogram',
  'enabled_txg',
  'hole_birth',
  'extensible_dataset',
  'embedded_data',
  'bookmarks',
  'filesystem_limits',
  'large_blocks',
  'large_dnode',
  'sha512',
  'skein',
  'edonr',
  'userobj_accounting',
  'encryption',
  'project_quota',
  'device_removal',
  'obsolete_counts',
  'zpool_checkpoint',
  'spacemap_v2',
  'allocation_classes',
  'resilver_defer',
  'bookmark_v2',
  'redaction_bookmarks',
  'redacted_datasets',
  'bookmark_written',
  'log_spacemap',
  'livelist',
  'device_rebuild',
  'zstd_compress',
  'draid',
  'zilsaxattr',
  'head_errlog',
  'blake3',
  'block_cloning',
  'vdev_zaps_v2',
] as const;
export const OPENZFS_2_3_FEATURES = [
  ...OPENZFS_2_2_FEATURES,
  'redaction_list_spill',
  'raidz_expansion',
  'fast_dedup',
  'longname',
  'large_microzap',
] as const;

export interface VdevSpec {
  /** Leaf: device path as `zpool status -P` prints it; group: `mirror-0`, `raidz1-0`. */
  name: string;
  state?: string;
  children?: VdevSpec[];
}

export interface PoolSpec {
  name: string;
  guid: string;
  loadGuid: string;
  sizeBytes: number;
  allocatedBytes: number;
  fragmentationPercent: number;
  health: string;
  altroot: string | null;
  bootfs: string | null;
  compatibility: string;
  ashift: number;
  autotrim: 'on' | 'off';
  /** Every feature the running OpenZFS knows, in its order, with the pool's state for it. */
  features: ReadonlyArray<readonly [string, FeatureState]>;
  vdevs: VdevSpec[];
  /** The `scan:` line of `zpool status`, without the label. */
  scan: string | null;
  /** OpenZFS 2.3 adds dedup_table_size, dedup_table_quota and last_scrubbed_txg. */
  zfsMinor: 2 | 3;
  lastScrubbedTxg: number;
}

export interface DatasetSpec {
  name: string;
  type: 'filesystem' | 'volume' | 'snapshot';
  usedBytes: number;
  availBytes: number | null;
  referBytes: number;
  mountpoint: string | null;
  mounted: boolean | null;
  canmount: 'on' | 'off' | 'noauto' | null;
  compression: string;
  encryption: string;
  keystatus: string | null;
  volsizeBytes: number | null;
  volblocksizeBytes: number | null;
  refreservationBytes: number | null;
  origin: string | null;
  creation: number;
  user: Record<string, string>;
}

export function renderZpoolList(pools: readonly PoolSpec[], columns: readonly string[]): string {
  return pools
    .map((p) =>
      columns
        .map((c) => {
          switch (c) {
            case 'name':
              return p.name;
            case 'size':
              return String(p.sizeBytes);
            case 'allocated':
              return String(p.allocatedBytes);
            case 'free':
              return String(p.sizeBytes - p.allocatedBytes);
            case 'fragmentation':
              return String(p.fragmentationPercent);
            case 'capacity':
              return String(Math.floor((p.allocatedBytes * 100) / p.sizeBytes));
            case 'health':
              return p.health;
            case 'guid':
              return p.guid;
            case 'altroot':
              return p.altroot ?? '-';
            default:
              return '-';
          }
        })
        .join('\t'),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** `zpool get -Hp -o name,property,value all`: every pool property, then every feature@. */
export function renderZpoolGetAll(pools: readonly PoolSpec[]): string {
  const lines: string[] = [];
  for (const p of pools) {
    const props: Array<[string, string]> = [
      ['size', String(p.sizeBytes)],
      ['capacity', String(Math.floor((p.allocatedBytes * 100) / p.sizeBytes))],
      ['altroot', p.altroot ?? '-'],
      ['health', p.health],
      ['guid', p.guid],
      ['version', '-'],
      ['bootfs', p.bootfs ?? '-'],
      ['delegation', 'on'],
      ['autoreplace', 'off'],
      ['cachefile', '-'],
      ['failmode', 'wait'],
      ['listsnapshots', 'off'],
      ['autoexpand', 'off'],
      ['dedupratio', '1.00'],
      ['free', String(p.sizeBytes - p.allocatedBytes)],
      ['allocated', String(p.allocatedBytes)],
      ['readonly', 'off'],
      ['ashift', String(p.ashift)],
      ['comment', '-'],
      ['expandsize', '-'],
      ['freeing', '0'],
      ['fragmentation', String(p.fragmentationPercent)],
      ['leaked', '0'],
      ['multihost', 'off'],
      ['checkpoint', '-'],
      ['load_guid', p.loadGuid],
      ['autotrim', p.autotrim],
      ['compatibility', p.compatibility],
      ['bcloneused', '0'],
      ['bclonesaved', '0'],
      ['bcloneratio', '1.00'],
    ];
    if (p.zfsMinor === 3) {
      props.push(
        ['dedup_table_size', '0'],
        ['dedup_table_quota', 'auto'],
        ['last_scrubbed_txg', String(p.lastScrubbedTxg)],
      );
    }
    for (const [k, v] of props) lines.push(`${p.name}\t${k}\t${v}\n`);
    for (const [f, state] of p.features) lines.push(`${p.name}\tfeature@${f}\t${state}\n`);
  }
  return lines.join('');
}

function vdevWidth(v: VdevSpec, depth: number): number {
  return Math.max(v.name.length + depth, ...(v.children ?? []).map((c) => vdevWidth(c, depth + 2)));
}

/** `zpool status -P`, laid out as print_status_config does (tab, indent 2 per level, widths). */
export function renderZpoolStatus(pools: readonly PoolSpec[]): string {
  if (pools.length === 0) return 'no pools available\n';
  return pools
    .map((p) => {
      const root: VdevSpec = { name: p.name, state: p.health, children: p.vdevs };
      const width = Math.max(10, vdevWidth(root, 0));
      const out: string[] = [];
      out.push(`  pool: ${p.name}\n`);
      out.push(` state: ${p.health}\n`);
      if (p.scan !== null) out.push(`  scan: ${p.scan}\n`);
      out.push('config:\n\n');
      out.push(
        `\t${'NAME'.padEnd(width)}  ${'STATE'.padEnd(8)} ${'READ'.padStart(5)} ${'WRITE'.padStart(5)} ${'CKSUM'.padStart(5)}\n`,
      );
      const walk = (v: VdevSpec, depth: number): void => {
        const state = v.state ?? 'ONLINE';
        out.push(
          `\t${' '.repeat(depth)}${v.name.padEnd(width - depth)}  ${state.padEnd(8)} ${'0'.padStart(5)} ${'0'.padStart(5)} ${'0'.padStart(5)}\n`,
        );
        for (const c of v.children ?? []) walk(c, depth + 2);
      };
      walk(root, 0);
      out.push('\nerrors: No known data errors\n');
      return out.join('');
    })
    .join('\n');
}

/** The order `zfs list` sorts in: by dataset name, a dataset before its snapshots, snapshots by age. */
export function compareDatasets(a: DatasetSpec, b: DatasetSpec): number {
  const [ab = '', asnap] = a.name.split('@');
  const [bb = '', bsnap] = b.name.split('@');
  if (ab !== bb) return ab < bb ? -1 : 1;
  if (asnap === undefined && bsnap !== undefined) return -1;
  if (asnap !== undefined && bsnap === undefined) return 1;
  return a.creation - b.creation;
}

function num(n: number | null): string {
  return n === null ? '-' : String(n);
}

export function renderZfsList(
  datasets: readonly DatasetSpec[],
  columns: readonly string[],
): string {
  const sorted = [...datasets].sort(compareDatasets);
  const lines: string[] = [];
  for (const d of sorted) {
    const cells = columns.map((c) => {
      switch (c) {
        case 'name':
          return d.name;
        case 'type':
          return d.type;
        case 'used':
          return String(d.usedBytes);
        case 'avail':
          return num(d.availBytes);
        case 'refer':
          return String(d.referBytes);
        case 'mountpoint':
          return d.mountpoint ?? '-';
        case 'mounted':
          return d.mounted === null ? '-' : d.mounted ? 'yes' : 'no';
        case 'canmount':
          return d.canmount ?? '-';
        case 'compression':
          return d.compression;
        case 'encryption':
          return d.encryption;
        case 'keystatus':
          return d.keystatus ?? '-';
        case 'volsize':
          return num(d.volsizeBytes);
        case 'volblocksize':
          return num(d.volblocksizeBytes);
        case 'refreservation':
          return num(d.refreservationBytes);
        case 'origin':
          return d.origin ?? '-';
        case 'creation':
          return String(d.creation);
        default:
          return d.user[c] ?? '-';
      }
    });
    lines.push(`${cells.join('\t')}\n`);
  }
  return lines.join('');
}
