// Parsers for `zpool list -Hp`, `zpool get -Hp` and `zpool status [-P]`: pool sizes, properties
// (features, bootfs, compatibility) and the vdev tree that tells which disks belong to which pool.
import { ParseError } from '../model/errors';
import type { VdevNode } from '../model/inventory';

export interface ZpoolListRow {
  name: string;
  /** null when zpool prints `-`: a FAULTED or UNAVAIL pool cannot be opened to measure. */
  sizeBytes: number | null;
  allocatedBytes: number | null;
  freeBytes: number | null;
  fragmentationPercent: number | null;
  capacityPercent: number | null;
  health: string;
  guid: string;
  altroot: string | null;
}

function lines(text: string): string[] {
  return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

function quote(line: string): string {
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
}

const LIST = 'zpool list -Hp';
const LIST_COLUMNS = 9;

/**
 * A pool that cannot be opened (FAULTED, UNAVAIL) prints `-` for its sizes: they are unknown, not
 * 0, which would read as an empty pool (or a full one to the planner). Percent columns may carry a
 * `%` even with -p: FreeBSD 11's zpool printed FRAG as `16%`.
 */
function listNumber(value: string, column: string, lineNo: number, percent = false): number | null {
  if (value === '-') return null;
  const digits = percent && value.endsWith('%') ? value.slice(0, -1) : value;
  if (!/^\d+$/.test(digits)) {
    throw new ParseError(
      LIST,
      `${column} ${JSON.stringify(value)} is not a plain number (was -p given?)`,
      lineNo,
    );
  }
  return Number(digits);
}

/** `zpool list -Hp -o name,size,allocated,free,fragmentation,capacity,health,guid,altroot`: tab-separated, `-` = none. */
export function parseZpoolList(text: string): ZpoolListRow[] {
  const rows: ZpoolListRow[] = [];
  lines(text).forEach((line, index) => {
    const lineNo = index + 1;
    if (line.trim() === '') return;
    const fields = line.split('\t');
    if (fields.length !== LIST_COLUMNS) {
      throw new ParseError(
        LIST,
        `expected ${LIST_COLUMNS} tab-separated fields, found ${fields.length}: ${quote(line)}`,
        lineNo,
      );
    }
    const [
      name = '',
      size = '',
      allocated = '',
      free = '',
      fragmentation = '',
      capacity = '',
      health = '',
      guid = '',
      altroot = '',
    ] = fields;
    if (name === '') throw new ParseError(LIST, 'empty pool name', lineNo);
    if (!/^\d+$/.test(guid))
      throw new ParseError(LIST, `guid ${JSON.stringify(guid)} is not a number`, lineNo);
    rows.push({
      name,
      sizeBytes: listNumber(size, 'size', lineNo),
      allocatedBytes: listNumber(allocated, 'allocated', lineNo),
      freeBytes: listNumber(free, 'free', lineNo),
      fragmentationPercent: listNumber(fragmentation, 'fragmentation', lineNo, true),
      capacityPercent: listNumber(capacity, 'capacity', lineNo, true),
      health,
      guid,
      altroot: altroot === '-' || altroot === '' ? null : altroot,
    });
  });
  return rows;
}

const GET = 'zpool get -Hp';

/** `zpool get -Hp -o name,property,value all`: pool -> property -> value (strings; `-` kept as `-`). Values may contain spaces; separator is a tab. */
export function parseZpoolGet(text: string): Map<string, Map<string, string>> {
  const pools = new Map<string, Map<string, string>>();
  lines(text).forEach((line, index) => {
    if (line.trim() === '') return;
    const first = line.indexOf('\t');
    const second = first < 0 ? -1 : line.indexOf('\t', first + 1);
    if (second < 0) {
      throw new ParseError(
        GET,
        `expected pool, property and value separated by tabs: ${quote(line)}`,
        index + 1,
      );
    }
    const pool = line.slice(0, first);
    const property = line.slice(first + 1, second);
    if (pool === '' || property === '')
      throw new ParseError(GET, 'empty pool or property name', index + 1);
    // The value is the last column, so a tab inside it (a pool comment can hold one) stays in it.
    const value = line.slice(second + 1);
    let props = pools.get(pool);
    if (props === undefined) {
      props = new Map<string, string>();
      pools.set(pool, props);
    }
    props.set(property, value);
  });
  return pools;
}

export interface ZpoolStatus {
  pool: string;
  state: string;
  status: string | null;
  action: string | null;
  errors: string | null;
  vdevs: VdevNode[];
  /** leaf device paths */
  devices: string[];
}

const STATUS = 'zpool status';

/** The header keys `zpool status` prints before and after the config tree. */
const HEADER_KEYS = new Set([
  'pool',
  'id',
  'state',
  'status',
  'action',
  'see',
  'scan',
  'scrub',
  'remove',
  'checkpoint',
  'comment',
  'config',
  'errors',
]);
/** Class headers sit at the pool's indentation; old FreeBSD printed state columns after `logs`. */
const CLASSES: Record<string, VdevNode['kind']> = {
  logs: 'log',
  cache: 'cache',
  spares: 'spare',
  special: 'special',
  dedup: 'dedup',
};
/** vdev states (zpool_state_to_name) plus AVAIL/INUSE for spares and SUSPENDED for the pool. */
const STATE_RE =
  /^(.*?)\s+(ONLINE|DEGRADED|FAULTED|OFFLINE|UNAVAIL|REMOVED|SPLIT|UNKNOWN|AVAIL|INUSE|SUSPENDED)(?:\s+(.*))?$/;
const COUNT_RE = /^(\d+(?:\.\d+)?)([KMGTPE]?)$/;
const COUNT_UNITS = 'KMGTPE';

/** Error counts are printed with zfs_nicenum (1024-based) unless -p: `1.2K` is about 1229. */
function count(token: string): number | null {
  const match = COUNT_RE.exec(token);
  if (match === null) return null;
  const unit = match[2] ?? '';
  const power = unit === '' ? 0 : COUNT_UNITS.indexOf(unit) + 1;
  return Math.round(Number(match[1]) * 1024 ** power);
}

function kindOf(name: string): VdevNode['kind'] {
  if (/^mirror(-\d+)?$/.test(name)) return 'mirror';
  if (/^raidz[123]?(-\d+)?$/.test(name)) return 'raidz';
  // draid vdevs (`draid2:4d:1s:8c-0`) and their distributed spares (`draid2-0-0`) are virtual.
  if (/^draid\d?(:\w+)*(-\d+){1,2}$/.test(name)) return 'draid';
  if (/^(spare|replacing|indirect)-\d+$/.test(name)) return 'group';
  if (name.startsWith('/') && !name.startsWith('/dev/')) return 'file';
  return 'disk';
}

/** Columns of indentation, tabs to the next multiple of 8 as the terminal shows them. */
function indentOf(line: string): number {
  let column = 0;
  for (const c of line) {
    if (c === ' ') column++;
    else if (c === '\t') column = column - (column % 8) + 8;
    else break;
  }
  return column;
}

interface Row {
  name: string;
  state: string;
  counts: [number, number, number];
  note: string | null;
}

function parseRow(trimmed: string): Row | null {
  const match = STATE_RE.exec(trimmed);
  if (match === null) return null;
  const rest = (match[3] ?? '').trim();
  const tokens = rest === '' ? [] : rest.split(/\s+/);
  const parsed = tokens.slice(0, 3).map(count);
  if (tokens.length >= 3 && parsed.every((n) => n !== null)) {
    const note = tokens.slice(3).join(' ');
    return {
      name: match[1] ?? '',
      state: match[2] ?? '',
      counts: parsed as [number, number, number],
      note: note === '' ? null : note,
    };
  }
  // Spares print only NAME STATE, maybe followed by `was /dev/...`.
  return {
    name: match[1] ?? '',
    state: match[2] ?? '',
    counts: [0, 0, 0],
    note: rest === '' ? null : rest,
  };
}

interface PoolDraft {
  pool: string;
  lineNo: number;
  fields: Map<string, string[]>;
  vdevs: VdevNode[];
  devices: string[];
}

class ConfigReader {
  private base: number | null = null;
  private poolLineSeen = false;
  private stack: { indent: number; node: VdevNode | null }[] = [];

  constructor(private readonly draft: PoolDraft) {}

  read(line: string, lineNo: number): void {
    const trimmed = line.trim();
    if (trimmed === '') return;
    const indent = indentOf(line);
    if (/^NAME\s+STATE\b/.test(trimmed)) {
      this.base = indent;
      return;
    }
    this.base ??= indent;
    if (indent < this.base)
      throw new ParseError(STATUS, `config line left of the NAME column: ${quote(line)}`, lineNo);

    if (indent === this.base) {
      const word = trimmed.split(/\s+/)[0] ?? '';
      const kind = CLASSES[word];
      if (this.poolLineSeen && kind !== undefined) {
        const node: VdevNode = {
          name: word,
          kind,
          state: '',
          readErrors: 0,
          writeErrors: 0,
          checksumErrors: 0,
          children: [],
        };
        const row = parseRow(trimmed);
        if (row !== null)
          Object.assign(node, {
            state: row.state,
            readErrors: row.counts[0],
            writeErrors: row.counts[1],
            checksumErrors: row.counts[2],
          });
        this.draft.vdevs.push(node);
        this.stack = [{ indent, node }];
        return;
      }
      if (this.poolLineSeen)
        throw new ParseError(STATUS, `unexpected line at the pool's level: ${quote(line)}`, lineNo);
      if (parseRow(trimmed) === null)
        throw new ParseError(STATUS, `the pool's config line has no state: ${quote(line)}`, lineNo);
      this.poolLineSeen = true;
      this.stack = [{ indent, node: null }];
      return;
    }

    if (!this.poolLineSeen)
      throw new ParseError(STATUS, `vdev before the pool's own line: ${quote(line)}`, lineNo);
    const row = parseRow(trimmed);
    if (row === null || row.name === '')
      throw new ParseError(STATUS, `vdev line without a state: ${quote(line)}`, lineNo);
    const node: VdevNode = {
      name: row.name,
      kind: kindOf(row.name),
      state: row.state,
      readErrors: row.counts[0],
      writeErrors: row.counts[1],
      checksumErrors: row.counts[2],
      children: [],
    };
    while (this.stack.length > 1 && (this.stack[this.stack.length - 1]?.indent ?? 0) >= indent)
      this.stack.pop();
    const parent = this.stack[this.stack.length - 1]?.node ?? null;
    if (parent === null) this.draft.vdevs.push(node);
    else parent.children.push(node);
    this.stack.push({ indent, node });
    this.noteDevice(node, row.note);
  }

  /** A missing disk is printed as its GUID with `was /dev/...`: the path is what names the disk. */
  private noteDevice(node: VdevNode, note: string | null): void {
    if (node.kind !== 'disk' && node.kind !== 'file') return;
    const was = note === null ? null : /\bwas (\S+)/.exec(note);
    const path = was?.[1] ?? node.name;
    if (!this.draft.devices.includes(path)) this.draft.devices.push(path);
  }

  /** A group only turns out to be an inner node once its children arrive; drop it from the leaves. */
  finish(): void {
    const inner = new Set<string>();
    const walk = (nodes: VdevNode[]): void => {
      for (const n of nodes) {
        if (n.children.length > 0 && (n.kind === 'disk' || n.kind === 'file')) inner.add(n.name);
        walk(n.children);
      }
    };
    walk(this.draft.vdevs);
    this.draft.devices = this.draft.devices.filter((d) => !inner.has(d));
  }
}

function joinField(parts: string[] | undefined, separator: string): string | null {
  if (parts === undefined) return null;
  const joined = parts
    .filter((p) => p !== '')
    .join(separator)
    .trim();
  return joined === '' ? null : joined;
}

/** `zpool status -P` (and without -P), one or many pools. "no pools available" gives []. */
export function parseZpoolStatus(text: string): ZpoolStatus[] {
  const drafts: PoolDraft[] = [];
  let draft: PoolDraft | null = null;
  let field: string | null = null;
  let config: ConfigReader | null = null;

  const all = lines(text);
  all.forEach((line, index) => {
    const lineNo = index + 1;
    const trimmed = line.trim();
    const header = /^\s{0,8}([a-z]+):(?:\s+(.*))?$/.exec(line);
    const key = header?.[1];
    const isHeader =
      key !== undefined && HEADER_KEYS.has(key) && (field !== 'errors' || key === 'pool');

    if (isHeader && key === 'pool') {
      config?.finish();
      const name = (header?.[2] ?? '').trim();
      if (name === '') throw new ParseError(STATUS, 'pool line without a name', lineNo);
      draft = { pool: name, lineNo, fields: new Map(), vdevs: [], devices: [] };
      drafts.push(draft);
      field = null;
      config = null;
      return;
    }
    if (draft === null) {
      if (trimmed === '' || trimmed === 'no pools available') return;
      throw new ParseError(STATUS, `text before the first "pool:" line: ${quote(line)}`, lineNo);
    }
    if (isHeader && key !== undefined && (config === null || key === 'errors')) {
      if (key === 'config') {
        config = new ConfigReader(draft);
        field = 'config';
        return;
      }
      config?.finish();
      config = null;
      field = key;
      draft.fields.set(key, [(header?.[2] ?? '').trim()]);
      return;
    }
    if (config !== null) {
      config.read(line, lineNo);
      return;
    }
    if (trimmed === '') return;
    if (field === null)
      throw new ParseError(STATUS, `unexpected text in pool ${draft.pool}: ${quote(line)}`, lineNo);
    draft.fields.get(field)?.push(trimmed);
  });
  (config as ConfigReader | null)?.finish();

  return drafts.map((d) => {
    const state = joinField(d.fields.get('state'), ' ');
    if (state === null) throw new ParseError(STATUS, `pool ${d.pool} has no state`, d.lineNo);
    return {
      pool: d.pool,
      state,
      status: joinField(d.fields.get('status'), ' '),
      action: joinField(d.fields.get('action'), ' '),
      // Permanent errors list one file per line: keep the lines.
      errors: joinField(d.fields.get('errors'), '\n'),
      vdevs: d.vdevs,
      devices: d.devices,
    };
  });
}
