// Parses IOMMU group listings as people paste them in forums (the Arch wiki script, its one-line
// variant, `lspci -nns` lines) into devices and groups, turning everything else into diagnostics.
import { diagnostic, type Diagnostic } from '../model/diagnostic';
import { ParseError } from '../model/errors';
import type { Iommu, PciDevice } from '../model/inventory';

export interface ListingDevice {
  /** Full address with domain, lower case: `0000:01:00.0`. */
  address: string;
  group: number;
  /** Class and subclass, four hex digits: `0300`. */
  classCode: string;
  className: string;
  vendorId: string;
  deviceId: string;
  /** The text between `: ` and ` [vvvv:dddd]`. */
  name: string;
  revision: string | null;
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

const HEADER_RE = /^\s*(?:IOMMU\s+)?group\s+(\d{1,9})\s*:?\s*(.*)$/i;
const FENCE_RE = /^\s*(?:```|~~~)/;
const ADDRESS_RE =
  /^\s*(?:([0-9a-fA-F]{4,8}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])(?=\s|$)\s*(.*)$/;
const CLASS_RE = /^(.*?)\s\[([^\]]*)\]:\s(.*)$/;
const IDS_RE =
  /^(.*)\s\[([^\]\s]*):([^\]\s]*)\](?:\s+\(rev\s+([^)]*)\))?(?:\s+\(prog-if[^)]*\))?\s*$/i;
const HEX4 = /^[0-9a-f]{4}$/;

/** A capture group that the pattern guarantees; '' keeps the types honest without assertions. */
const group = (m: RegExpExecArray, i: number): string => m[i] ?? '';

type LineResult =
  | { kind: 'device'; device: Omit<ListingDevice, 'group'> }
  | { kind: 'cut'; address: string; why: string }
  | { kind: 'bad'; why: string };

/** Reads one `lspci -nns` device line (without the group prefix). Null when it has no address. */
function readDeviceLine(text: string): LineResult | null {
  const a = ADDRESS_RE.exec(text);
  if (!a) return null;
  const domain = (a[1] ?? '0000').toLowerCase();
  const bus = group(a, 2).toLowerCase();
  const dev = group(a, 3).toLowerCase();
  const address = `${domain}:${bus}:${dev}.${group(a, 4)}`;
  if (parseInt(dev, 16) > 0x1f)
    return { kind: 'bad', why: `${address} is not a PCI address (device above 1f)` };
  const rest = group(a, 5);
  const c = CLASS_RE.exec(rest);
  if (!c) return { kind: 'cut', address, why: 'no class code such as [0300]' };
  const classCode = group(c, 2).toLowerCase();
  if (!HEX4.test(classCode)) {
    return { kind: 'cut', address, why: `class code [${group(c, 2)}] is not four hex digits` };
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
      classCode,
      className: group(c, 1).trim(),
      vendorId,
      deviceId,
      name: group(ids, 1).trim(),
      revision: ids[4] === undefined ? null : ids[4].trim().toLowerCase(),
    },
  };
}

export function parseIommuListing(text: string): ParsedListing {
  const lines = text.split(/\r\n|\r|\n/);
  const diagnostics: Diagnostic[] = [];
  const devices: ListingDevice[] = [];
  const byAddress = new Map<string, ListingDevice>();
  const groups = new Map<number, string[]>();
  const headerOnly = new Map<number, number>(); // group -> line of a header that got no devices
  const untrusted = new Set<number>();
  let current: number | null = null;
  let sawListing = false;
  let ignored = 0;

  const ignore = (lineNo: number, line: string, why: string) => {
    ignored += 1;
    if (ignored <= MAX_LINE_DIAGNOSTICS) {
      const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
      diagnostics.push(
        diagnostic(
          'iommu-listing.ignored-line',
          'info',
          `line ${lineNo}: ${why}: "${shown.trim()}"`,
        ),
      );
    }
  };
  const addToGroup = (group: number, address: string) => {
    const list = groups.get(group);
    if (list) list.push(address);
    else groups.set(group, [address]);
    headerOnly.delete(group);
  };

  const takeDevice = (lineNo: number, group: number, body: string, raw: string): boolean => {
    const r = readDeviceLine(body);
    if (r === null) return false;
    sawListing = true;
    if (r.kind === 'bad') {
      ignore(lineNo, raw, r.why);
      return true;
    }
    if (r.kind === 'cut') {
      // The address is in the group, but we cannot tell what it is: the group cannot be clean.
      addToGroup(group, r.address);
      untrusted.add(group);
      diagnostics.push(
        diagnostic(
          'iommu-listing.cut-line',
          'warning',
          `line ${lineNo}: ${r.address} in group ${group} cannot be read (${r.why}); group ${group} is treated as unknown`,
          { subject: r.address, fix: 'Paste the complete listing again.' },
        ),
      );
      return true;
    }
    const seen = byAddress.get(r.device.address);
    addToGroup(group, r.device.address);
    if (seen) {
      untrusted.add(group);
      untrusted.add(seen.group);
      const where =
        seen.group === group ? `twice in group ${group}` : `in groups ${seen.group} and ${group}`;
      diagnostics.push(
        diagnostic(
          'iommu-listing.duplicate-address',
          'warning',
          `line ${lineNo}: ${r.device.address} is listed ${where}; a device belongs to exactly one group, so the listing is inconsistent there`,
          { subject: r.device.address, fix: 'Paste the listing from one run of the script.' },
        ),
      );
      return true;
    }
    const device: ListingDevice = { ...r.device, group };
    byAddress.set(device.address, device);
    devices.push(device);
    return true;
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    if (line.length > MAX_LINE) {
      current = null;
      ignore(lineNo, line, `line of ${line.length} characters skipped`);
      continue;
    }
    // Code fences wrap most forum pastes; they neither end a group nor deserve a diagnostic.
    if (FENCE_RE.test(line)) continue;

    const h = HEADER_RE.exec(line);
    if (h) {
      const id = Number(h[1]);
      const rest = group(h, 2);
      if (rest.trim() === '') {
        sawListing = true;
        current = id;
        if (!groups.has(id) && !headerOnly.has(id)) headerOnly.set(id, lineNo);
        continue;
      }
      if (takeDevice(lineNo, id, rest, line)) {
        current = null;
        continue;
      }
    }

    if (current !== null && takeDevice(lineNo, current, line, line)) continue;
    if (current === null && ADDRESS_RE.test(line) && readDeviceLine(line)?.kind === 'device') {
      ignore(lineNo, line, 'device line outside any IOMMU group');
      continue;
    }
    // Anything else is forum text: it also ends the group above it, so that an `lspci` paste
    // after the listing does not join its last group.
    current = null;
    ignore(lineNo, line, 'not part of an IOMMU listing');
  }

  if (!sawListing) {
    throw new ParseError(
      FORMAT,
      'no "IOMMU Group N" header and no lspci device line found; this does not look like an IOMMU group listing',
    );
  }
  if (ignored > MAX_LINE_DIAGNOSTICS) {
    diagnostics.push(
      diagnostic(
        'iommu-listing.more-ignored',
        'info',
        `${ignored - MAX_LINE_DIAGNOSTICS} more lines were not part of the listing`,
      ),
    );
  }
  for (const [id, lineNo] of [...headerOnly].sort((x, y) => x[0] - y[0])) {
    diagnostics.push(
      diagnostic(
        'iommu-listing.empty-group',
        'warning',
        `line ${lineNo}: group ${id} has a header but no devices under it`,
        { subject: `group ${id}` },
      ),
    );
  }

  return {
    devices,
    groups: [...groups]
      .sort((x, y) => x[0] - y[0])
      .map(([id, members]) => ({ id, devices: members })),
    untrustedGroups: [...untrusted].sort((x, y) => x - y),
    diagnostics,
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
      driver: null,
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
