// Parses IOMMU group listings as people paste them in forums into devices and groups, turning
// everything else into diagnostics. Read: the Arch-wiki script (`IOMMU Group N:` then indented
// `lspci -nns` lines) and its one-line form (`IOMMU Group N 00:01.0 ...`), headers without a colon
// or in capitals, `### Group N ###`, `Group:  N   0000:...  Driver: x`, lines prefixed with the
// group in brackets or parentheses (`[IOMMU 12] 00:01.0 ...`, `(12) 00:01.0 ...`), ls-iommu's
// `IOMMU Group  12: 0000:01:00.0 USB controller [0c03] ...` with its `-k` detail lines, with or
// without the PCI domain, the `[vvvv:dddd] [R] 09:00.0  Class name  Device` lines of the
// pci_iommu_list script (IDs first, no class code: the class is looked up by its lspci name), and
// terminal colour codes anywhere. A line that cannot be read is named
// with its number and text, never dropped silently.
import { diagnostic, type Diagnostic } from '../model/diagnostic';
import { ParseError } from '../model/errors';
import type { Iommu, PciDevice } from '../model/inventory';
import { PCI_CLASS_NAMES } from '../model/pci-classes';

export interface ListingDevice {
  /** Full address with domain, lower case: `0000:01:00.0`. */
  address: string;
  group: number;
  /** Class and subclass, four hex digits: `0300`. */
  classCode: string;
  className: string;
  vendorId: string;
  deviceId: string;
  /** The text between the class code and ` [vvvv:dddd]`. */
  name: string;
  revision: string | null;
  /** The driver the listing names (ls-iommu -k, `Driver:` columns); null when it names none. */
  driver: string | null;
}

export interface ParsedListing {
  devices: ListingDevice[];
  /**
   * Groups in ascending order, members in the order the listing gave them. An address listed
   * twice stays in every group it was listed in, so that nothing downstream mistakes such a group
   * for a clean one.
   */
  groups: { id: number; devices: string[] }[];
  /** Groups whose membership the listing does not tell for sure (duplicates, cut lines). */
  untrustedGroups: number[];
  diagnostics: Diagnostic[];
}

const FORMAT = 'iommu-listing';
/** Real `lspci -nns` lines stay under 300 characters; longer lines are skipped unread so that
 * a pasted blob cannot make the regular expressions below work quadratically. */
const MAX_LINE = 2000;
/** Beyond this many, ignored lines are counted instead of reported one by one. */
const MAX_LINE_DIAGNOSTICS = 50;

/** `IOMMU Group 12:`, `IOMMU group 12`, `IOMMU GROUP 12`, `IOMMMU Group 12:` (a script's typo),
 * `Group 12:`, `Group:  12`, `### Group 12 ###`, ls-iommu's padded `IOMMU Group  12:`. */
const HEADER_RE = /^\s*(?:#+\s*)?(?:IOM+U\s+)?group\s*:?\s*(\d{1,9})(?:\s*#+)?\s*:?\s*(.*)$/i;
/** `[IOMMU 12] `, `[12] `, `(12) `, `(IOMMU group 12) ` before a device line. */
const BRACKET_RE =
  /^\s*(?:\[\s*(?:IOMMU\s+(?:group\s+)?)?(\d{1,9})\s*\]|\(\s*(?:IOMMU\s+(?:group\s+)?)?(\d{1,9})\s*\))\s*:?\s*(.*)$/i;
const FENCE_RE = /^\s*(?:```|~~~)/;
const ADDRESS_RE =
  /^\s*(?:([0-9a-fA-F]{4,8}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])(?=\s|$)\s*(.*)$/;
/** `VGA compatible controller [0300]: ` (lspci -nn) or `... [0300] ` (ls-iommu's default). */
const CLASS_RE = /^(.*?)\s\[([0-9a-fA-F]{4})\]:?\s(.*)$/;
/** Any bracket before `: `, to name a class code that is not four hex digits. */
const ANY_CLASS_RE = /^(.*?)\s\[([^\]]*)\]:\s(.*)$/;
const IDS_RE =
  /^(.*)\s\[([^\]\s]*):([^\]\s]*)\](?:\s+\(rev\s+([^)]*)\))?(?:\s+\(prog-if[^)]*\))?(?:\s+Driver:\s*(\S*))?\s*$/i;
/** `[10de:21c4] [R] 09:00.0  VGA compatible controller     TU116 [GeForce GTX 1660 SUPER]`: the
 * IDs, a reset mark, the address, the class name padded to a column, the device name. */
const IDS_FIRST_RE =
  /^\s*\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]\s+(?:\[R\]\s+)?((?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+(\S.*?)\s{2,}(\S.*?)\s*$/;
const CLASS_BY_NAME = new Map(Object.entries(PCI_CLASS_NAMES).map(([code, name]) => [name, code]));
/** The lines `lspci -k` and `ls-iommu -k` print under a device. */
const DETAIL_RE = /^\s+(Subsystem|Kernel driver in use|Kernel modules|DeviceName)\s*:\s*(.*)$/;
const HEX4 = /^[0-9a-f]{4}$/;
const RESET_MARK_RE = /^\s*\[RESET\]/;
/** A line wholly quoted as inline code in a forum post: `IOMMU Group 0: 0000:00:02.0 ...`. */
const INLINE_CODE_RE = /^\s*`([^`]+)`\s*$/;
/** Terminal colour and cursor codes (CSI and OSC), and the `[0;31m` left when a copy drops ESC. */
const ANSI_RE =
  // eslint-disable-next-line no-control-regex -- ESC and BEL are exactly what this removes
  /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b|\^\[\[[0-9;]*m|\[(?:\d{1,3};)*\d{1,3}m/g;

/** A capture group that the pattern guarantees; '' keeps the types honest without assertions. */
const group = (m: RegExpExecArray, i: number): string => m[i] ?? '';

/** The line as the terminal showed it: colour codes removed. */
export const stripTerminalCodes = (line: string): string => line.replace(ANSI_RE, '');

type LineResult =
  | { kind: 'device'; device: Omit<ListingDevice, 'group'> }
  | { kind: 'cut'; address: string; why: string }
  | { kind: 'bad'; why: string };

/** Reads the part of a device line after its address. */
function readDeviceBody(address: string, rest: string): LineResult {
  const c = CLASS_RE.exec(rest);
  if (!c) {
    const any = ANY_CLASS_RE.exec(rest);
    if (any)
      return { kind: 'cut', address, why: `class code [${group(any, 2)}] is not four hex digits` };
    return { kind: 'cut', address, why: 'no class code such as [0300]' };
  }
  const ids = IDS_RE.exec(group(c, 3));
  if (!ids) return { kind: 'cut', address, why: 'no vendor:device IDs such as [10de:1c03]' };
  const vendorId = group(ids, 2).toLowerCase();
  const deviceId = group(ids, 3).toLowerCase();
  if (!HEX4.test(vendorId) || !HEX4.test(deviceId)) {
    return {
      kind: 'cut',
      address,
      why: `IDs [${group(ids, 2)}:${group(ids, 3)}] are not two groups of four hex digits`,
    };
  }
  return {
    kind: 'device',
    device: {
      address,
      classCode: group(c, 2).toLowerCase(),
      className: group(c, 1).trim(),
      vendorId,
      deviceId,
      name: group(ids, 1).trim(),
      revision: ids[4] === undefined ? null : ids[4].trim().toLowerCase(),
      driver: ids[5] ? ids[5] : null,
    },
  };
}

/** Reads a pci_iommu_list line: the class code comes from the class name lspci printed. */
function readIdsFirstLine(m: RegExpExecArray): LineResult {
  const a = group(m, 3).toLowerCase();
  const address = a.length === 7 ? `0000:${a}` : a;
  const className = group(m, 4);
  const classCode = CLASS_BY_NAME.get(className);
  if (classCode === undefined)
    return { kind: 'cut', address, why: `the class "${className}" has no known class code` };
  return {
    kind: 'device',
    device: {
      address,
      classCode,
      className,
      vendorId: group(m, 1).toLowerCase(),
      deviceId: group(m, 2).toLowerCase(),
      name: group(m, 5),
      revision: null,
      driver: null,
    },
  };
}

/** Reads one `lspci -nns` device line (without the group prefix). Null when it has no address. */
function readDeviceLine(text: string): LineResult | null {
  const idsFirst = IDS_FIRST_RE.exec(text);
  if (idsFirst) return readIdsFirstLine(idsFirst);
  const a = ADDRESS_RE.exec(text);
  if (!a) return null;
  const domain = (a[1] ?? '0000').toLowerCase();
  const bus = group(a, 2).toLowerCase();
  const dev = group(a, 3).toLowerCase();
  const address = `${domain}:${bus}:${dev}.${group(a, 4)}`;
  if (parseInt(dev, 16) > 0x1f)
    return { kind: 'bad', why: `${address} is not a PCI address (device above 1f)` };
  return readDeviceBody(address, group(a, 5));
}

/** A group given on the line itself: a header (maybe with the device after it) or a bracketed
 * prefix (only before a device line, so that `(1)` in prose is not a group). */
function groupPrefix(line: string): { id: number; rest: string } | null {
  const h = HEADER_RE.exec(line);
  if (h) return { id: Number(h[1]), rest: group(h, 2) };
  const b = BRACKET_RE.exec(line);
  if (b && ADDRESS_RE.test(group(b, 3))) return { id: Number(b[1] ?? b[2]), rest: group(b, 3) };
  return null;
}

const shorten = (line: string) => {
  const t = line.trim();
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
};

/** The state of one parse: what was read so far and what was said about it. */
class ListingReader {
  readonly diagnostics: Diagnostic[] = [];
  readonly devices: ListingDevice[] = [];
  readonly byAddress = new Map<string, ListingDevice>();
  readonly groups = new Map<number, string[]>();
  /** group -> line of a header that got no devices */
  readonly headerOnly = new Map<number, number>();
  readonly untrusted = new Set<number>();
  /** The group that indented device lines belong to, null outside any. */
  current: number | null = null;
  /** The device the last line read, for the detail lines under it. */
  last: ListingDevice | null = null;
  sawListing = false;
  ignored = 0;
  firstOverflow = 0;
  lastOverflow = 0;

  /** unquote: read lines quoted as inline code as listing lines. */
  constructor(private readonly unquote: boolean) {}

  ignore(lineNo: number, line: string, why: string): void {
    this.ignored += 1;
    if (this.ignored <= MAX_LINE_DIAGNOSTICS) {
      this.diagnostics.push(
        diagnostic(
          'iommu-listing.ignored-line',
          'info',
          `line ${lineNo}: ${why}: "${shorten(line)}"`,
        ),
      );
    } else {
      this.firstOverflow ||= lineNo;
      this.lastOverflow = lineNo;
    }
  }

  addToGroup(id: number, address: string): void {
    const list = this.groups.get(id);
    if (list) list.push(address);
    else this.groups.set(id, [address]);
    this.headerOnly.delete(id);
  }

  /** Takes a device line of group `id`; false when `body` is not a device line at all. */
  takeDevice(lineNo: number, id: number, body: string, raw: string): boolean {
    const r = readDeviceLine(body);
    if (r === null) return false;
    this.sawListing = true;
    this.last = null;
    if (r.kind === 'bad') {
      this.ignore(lineNo, raw, r.why);
      return true;
    }
    if (r.kind === 'cut') {
      // The address is in the group, but we cannot tell what it is: the group cannot be clean.
      this.addToGroup(id, r.address);
      this.untrusted.add(id);
      this.diagnostics.push(
        diagnostic(
          'iommu-listing.cut-line',
          'warning',
          `line ${lineNo}: ${r.address} in group ${id} cannot be read (${r.why}): "${shorten(raw)}"; group ${id} is treated as unknown`,
          { subject: r.address, fix: 'Paste the complete listing again.' },
        ),
      );
      return true;
    }
    this.addToGroup(id, r.device.address);
    const seen = this.byAddress.get(r.device.address);
    if (seen) {
      this.untrusted.add(id);
      this.untrusted.add(seen.group);
      const where =
        seen.group === id ? `twice in group ${id}` : `in groups ${seen.group} and ${id}`;
      this.diagnostics.push(
        diagnostic(
          'iommu-listing.duplicate-address',
          'warning',
          `line ${lineNo}: ${r.device.address} is listed ${where}; a device belongs to exactly one group, so the listing is inconsistent there`,
          { subject: r.device.address, fix: 'Paste the listing from one run of the script.' },
        ),
      );
      return true;
    }
    const device: ListingDevice = { ...r.device, group: id };
    this.byAddress.set(device.address, device);
    this.devices.push(device);
    this.last = device;
    return true;
  }

  /** A `Subsystem:` or `Kernel driver in use:` line under the device just read. */
  takeDetail(line: string): boolean {
    const d = DETAIL_RE.exec(line);
    if (!d || this.last === null) return false;
    if (group(d, 1) === 'Kernel driver in use') this.last.driver = group(d, 2).trim() || null;
    return true;
  }

  readLine(lineNo: number, raw: string): void {
    const plain = stripTerminalCodes(raw);
    const quoted = this.unquote ? (INLINE_CODE_RE.exec(plain)?.[1] ?? plain) : plain;
    // ls-reset marks the devices that have a reset file: `[RESET]\t00:02.0 ...`.
    const line = quoted.replace(RESET_MARK_RE, '\t');
    if (line.trim() === '') return;
    if (line.length > MAX_LINE) {
      this.current = null;
      this.last = null;
      this.ignore(lineNo, line, `line of ${line.length} characters skipped`);
      return;
    }
    // Code fences wrap most forum pastes; they neither end a group nor deserve a diagnostic.
    if (FENCE_RE.test(line) || this.takeDetail(line)) return;
    const prefix = groupPrefix(line);
    if (prefix) {
      if (prefix.rest.trim() === '') {
        this.sawListing = true;
        this.current = prefix.id;
        this.last = null;
        if (!this.groups.has(prefix.id) && !this.headerOnly.has(prefix.id))
          this.headerOnly.set(prefix.id, lineNo);
        return;
      }
      if (this.takeDevice(lineNo, prefix.id, prefix.rest, line)) {
        // pci_iommu_list gives the group on its first line only; the one-line formats on each.
        this.current = IDS_FIRST_RE.test(prefix.rest) ? prefix.id : null;
        return;
      }
    }
    if (this.current !== null && this.takeDevice(lineNo, this.current, line, line)) return;
    this.last = null;
    if (this.current === null && readDeviceLine(line)?.kind === 'device') {
      this.ignore(lineNo, line, 'device line outside any IOMMU group');
      return;
    }
    // Anything else is forum text: it also ends the group above it, so that an `lspci` paste
    // after the listing does not join its last group.
    this.current = null;
    this.ignore(lineNo, line, 'not part of an IOMMU listing');
  }

  /** The closing diagnostics: lines counted past the limit, headers that got no devices. */
  finish(): void {
    if (this.ignored > MAX_LINE_DIAGNOSTICS) {
      const n = this.ignored - MAX_LINE_DIAGNOSTICS;
      this.diagnostics.push(
        diagnostic(
          'iommu-listing.more-ignored',
          'info',
          `${n} more ${n === 1 ? 'line was' : 'lines were'} not part of the listing (lines ${this.firstOverflow} to ${this.lastOverflow})`,
        ),
      );
    }
    for (const [id, lineNo] of [...this.headerOnly].sort((x, y) => x[0] - y[0])) {
      this.diagnostics.push(
        diagnostic(
          'iommu-listing.empty-group',
          'warning',
          `line ${lineNo}: group ${id} has a header but no devices under it`,
          { subject: `group ${id}` },
        ),
      );
    }
  }
}

export function parseIommuListing(text: string): ParsedListing {
  const lines = text.split(/\r\n|\r|\n/);
  const read = (unquote: boolean) => {
    const r = new ListingReader(unquote);
    for (let i = 0; i < lines.length; i++) r.readLine(i + 1, lines[i] ?? '');
    return r;
  };
  let reader = read(false);
  // Lines quoted as inline code are the listing only when nothing outside quotes is: a post that
  // gives the listing and then quotes lines of it must not count them twice.
  if (!reader.sawListing && lines.some((l) => INLINE_CODE_RE.test(l))) reader = read(true);
  if (!reader.sawListing) {
    throw new ParseError(
      FORMAT,
      'no "IOMMU Group N" header and no lspci device line found; this does not look like an IOMMU group listing',
    );
  }
  reader.finish();
  return {
    devices: reader.devices,
    groups: [...reader.groups]
      .sort((x, y) => x[0] - y[0])
      .map(([id, members]) => ({ id, devices: members })),
    untrustedGroups: [...reader.untrusted].sort((x, y) => x - y),
    diagnostics: reader.diagnostics,
  };
}

/** Turns a listing into the PciDevice[] and Iommu an Inventory would hold; what a listing cannot
 * tell (drivers, boot_vga, reset methods, topology) is null. */
export function listingToInventoryParts(listing: ParsedListing): {
  pci: PciDevice[];
  iommu: Iommu;
} {
  const slotOf = (address: string) => address.slice(0, address.lastIndexOf('.'));
  const bySlot = new Map<string, string[]>();
  for (const d of listing.devices) {
    const list = bySlot.get(slotOf(d.address));
    if (list) list.push(d.address);
    else bySlot.set(slotOf(d.address), [d.address]);
  }
  const pci: PciDevice[] = [...listing.devices]
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
    .map((d) => ({
      address: d.address,
      slot: slotOf(d.address),
      function: Number(d.address.slice(d.address.lastIndexOf('.') + 1)),
      classCode: d.classCode,
      progIf: '',
      className: d.className,
      vendorId: d.vendorId,
      deviceId: d.deviceId,
      subsystemVendorId: null,
      subsystemDeviceId: null,
      revision: d.revision,
      vendorName: '',
      deviceName: d.name,
      nameSource: 'lspci' as const,
      driver: d.driver,
      driverOverride: null,
      iommuGroup: d.group,
      bootVga: null,
      resetMethods: null,
      parentBridge: null,
      slotFunctions: (bySlot.get(slotOf(d.address)) ?? []).filter((a) => a !== d.address).sort(),
    }));
  const hasGroups = listing.groups.length > 0;
  return {
    pci,
    iommu: {
      enabled: hasGroups,
      reasons: hasGroups
        ? ['The listing shows IOMMU groups, so the IOMMU was on when it was taken.']
        : ['The listing shows no IOMMU group.'],
      firmwareTable: null,
      units: [],
      interruptRemapping: 'unknown',
      acsOverride: false,
      cmdlineArgs: [],
      groups: listing.groups.map((g) => ({ id: g.id, devices: [...g.devices] })),
    },
  };
}
