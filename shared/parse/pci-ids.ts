// Parser for the pci.ids database (hwdata / pciutils format): vendor, device and class names by ID.
// The maps are built once per parse; lookups are plain Map reads.
import { ParseError } from '../model/errors';

export interface PciIds {
  vendorName(vendorId: string): string | null;
  deviceName(vendorId: string, deviceId: string): string | null;
  /** Subclass name if present, else class name; null if the class is unknown. */
  className(classCode4hex: string): string | null;
}

const FORMAT = 'pci.ids';
const HEX4_NAME_RE = /^([0-9a-f]{4}) {2}(.*)$/;
const HEX2_NAME_RE = /^([0-9a-f]{2}) {2}(.*)$/;
const SUBSYSTEM_RE = /^[0-9a-f]{4} [0-9a-f]{4} {2}/;
const TAB = 9;

export function parsePciIds(text: string): PciIds {
  const vendors = new Map<string, string>();
  const devices = new Map<string, string>();
  const classes = new Map<string, string>();
  const subclasses = new Map<string, string>();

  let vendor: string | null = null;
  let cls: string | null = null;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '' || line.startsWith('#')) continue;

    if (line.charCodeAt(0) !== TAB) {
      if (line.startsWith('C ')) {
        const m = HEX2_NAME_RE.exec(line.slice(2));
        if (!m) throw new ParseError(FORMAT, 'malformed class line', lineNo);
        cls = m[1] ?? '';
        vendor = null;
        classes.set(cls, m[2] ?? '');
        continue;
      }
      const m = HEX4_NAME_RE.exec(line);
      if (!m) throw new ParseError(FORMAT, `malformed line "${line.slice(0, 40)}"`, lineNo);
      vendor = m[1] ?? '';
      cls = null;
      vendors.set(vendor, m[2] ?? '');
      continue;
    }

    const second = line.charCodeAt(1);
    if (second === TAB) {
      // Subsystem (under a device) or prog-if (under a subclass): not needed for names.
      const rest = line.slice(2);
      if (vendor !== null ? !SUBSYSTEM_RE.test(rest) : !HEX2_NAME_RE.test(rest)) {
        throw new ParseError(FORMAT, 'malformed third-level line', lineNo);
      }
      continue;
    }
    const rest = line.slice(1);
    if (vendor !== null) {
      const m = HEX4_NAME_RE.exec(rest);
      if (!m) throw new ParseError(FORMAT, 'malformed device line', lineNo);
      devices.set(`${vendor}:${m[1] ?? ''}`, m[2] ?? '');
    } else if (cls !== null) {
      const m = HEX2_NAME_RE.exec(rest);
      if (!m) throw new ParseError(FORMAT, 'malformed subclass line', lineNo);
      subclasses.set(`${cls}${m[1] ?? ''}`, m[2] ?? '');
    } else {
      throw new ParseError(FORMAT, 'indented line before any vendor or class', lineNo);
    }
  }

  return {
    vendorName: (vendorId) => vendors.get(vendorId.toLowerCase()) ?? null,
    deviceName: (vendorId, deviceId) =>
      devices.get(`${vendorId.toLowerCase()}:${deviceId.toLowerCase()}`) ?? null,
    className: (code) => {
      const c = code.toLowerCase();
      if (!/^[0-9a-f]{4}$/.test(c)) return null;
      return subclasses.get(c) ?? classes.get(c.slice(0, 2)) ?? null;
    },
  };
}
