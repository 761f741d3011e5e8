// Parser for `lsblk -J -b -O` (util-linux JSON) into BlockDevice trees. It accepts every shape
// util-linux has printed since JSON output appeared, because the machines we inventory run old ones too.
import { ParseError } from '../model/errors';
import type { BlockDevice } from '../model/inventory';

const FORMAT = 'lsblk -J';
/** Deeper than any real stack (disk > part > crypt > lvm > ...); guards the recursion. */
const MAX_DEPTH = 64;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(device: Json): string {
  return typeof device.name === 'string' ? `device ${device.name}` : 'a device';
}

/** lsblk pads model, vendor and serial with spaces on some versions; empty means unknown. */
function text(device: Json, key: string): string | null {
  const value = device[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') {
    throw new ParseError(FORMAT, `${describe(device)}: "${key}" is not a string`);
  }
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** Booleans came as true/false (util-linux >= 2.33), "0"/"1" strings or 0/1 numbers before. */
function flag(device: Json, key: string): boolean | null {
  const value = device[key];
  if (value === undefined || value === null) return null;
  if (value === true || value === 1 || value === '1') return true;
  if (value === false || value === 0 || value === '0') return false;
  throw new ParseError(FORMAT, `${describe(device)}: "${key}" is not a boolean`);
}

/** With -b, old lsblk printed sizes as numeric strings, new ones as numbers. */
function size(device: Json): number {
  const value = device.size;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) {
    const parsed = Number(value.trim());
    if (Number.isSafeInteger(parsed)) return parsed;
  }
  throw new ParseError(
    FORMAT,
    `${describe(device)}: size ${JSON.stringify(value)} is not a byte count (was lsblk run with -b?)`,
  );
}

/** `mountpoints` (util-linux >= 2.37) is an array with null for "not mounted"; older ones had `mountpoint`. */
function mountpoints(device: Json): string[] {
  const many = device.mountpoints;
  const raw: unknown[] = Array.isArray(many) ? many : [device.mountpoint];
  const result: string[] = [];
  for (const entry of raw) {
    if (entry === null || entry === undefined || entry === '') continue;
    if (typeof entry !== 'string') {
      throw new ParseError(FORMAT, `${describe(device)}: a mountpoint is not a string`);
    }
    if (!result.includes(entry)) result.push(entry);
  }
  return result;
}

function parseDevice(value: unknown, depth: number): BlockDevice {
  if (!isObject(value)) throw new ParseError(FORMAT, 'a block device entry is not an object');
  if (depth > MAX_DEPTH) throw new ParseError(FORMAT, `devices nested deeper than ${MAX_DEPTH}`);
  const name = text(value, 'name');
  if (name === null) throw new ParseError(FORMAT, 'a device has no name');
  const type = text(value, 'type');
  if (type === null) throw new ParseError(FORMAT, `device ${name} has no type`);

  const rawChildren = value.children;
  if (rawChildren !== undefined && rawChildren !== null && !Array.isArray(rawChildren)) {
    throw new ParseError(FORMAT, `device ${name}: "children" is not an array`);
  }
  const children = (rawChildren ?? []).map((child) => parseDevice(child, depth + 1));
  const fstype = text(value, 'fstype');
  // The mapper opened on a LUKS container is its child of type crypt (cryptsetup open makes it so).
  const luksMapper =
    fstype === 'crypto_LUKS' ? (children.find((c) => c.type === 'crypt')?.name ?? null) : null;
  const path = text(value, 'path') ?? (name.startsWith('/') ? name : `/dev/${name}`);

  return {
    name,
    path,
    type,
    sizeBytes: size(value),
    model: text(value, 'model'),
    serial: text(value, 'serial'),
    wwn: text(value, 'wwn'),
    transport: text(value, 'tran'),
    rotational: flag(value, 'rota'),
    removable: flag(value, 'rm'),
    fstype,
    fsver: text(value, 'fsver'),
    label: text(value, 'label'),
    uuid: text(value, 'uuid'),
    partuuid: text(value, 'partuuid'),
    parttype: text(value, 'parttype'),
    partlabel: text(value, 'partlabel'),
    ptuuid: text(value, 'ptuuid'),
    pttype: text(value, 'pttype'),
    mountpoints: mountpoints(value),
    byId: [],
    pciController: null,
    luksMapper,
    children,
  };
}

/**
 * `lsblk -J -b -O`: `{"blockdevices": [...]}` with children nested. Fills every BlockDevice field
 * lsblk knows; `byId` and `pciController` are left empty for the reader, which looks at sysfs.
 */
export function parseLsblkJson(text: string): BlockDevice[] {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new ParseError(
      FORMAT,
      `not JSON (${error instanceof Error ? error.message : 'parse failed'})`,
    );
  }
  if (!isObject(root) || !Array.isArray(root.blockdevices)) {
    throw new ParseError(FORMAT, 'no "blockdevices" array');
  }
  return root.blockdevices.map((device) => parseDevice(device, 0));
}
