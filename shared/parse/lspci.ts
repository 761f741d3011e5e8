// Parser for `lspci -nnmm [-D]`: one line per PCI function, the names with their numeric IDs.
// pciutils prints each field with print_shell_escaped (a backslash before `"` and `\`).
import { ParseError } from '../model/errors';

export interface LspciEntry {
  /** Full address with domain, e.g. `0000:01:00.0`. */
  address: string;
  className: string;
  /** Class and subclass as four hex digits, e.g. `0300`. */
  classCode: string;
  vendorName: string;
  vendorId: string;
  deviceName: string;
  deviceId: string;
  revision: string | null;
  progIf: string | null;
  subsystemVendorName: string | null;
  subsystemVendorId: string | null;
  subsystemName: string | null;
  subsystemId: string | null;
}

const FORMAT = 'lspci -nnmm';
// Domains are printed with %04x, so a VMD domain (10000) has five digits.
const ADDRESS_RE = /^(?:([0-9a-f]{4,8}):)?([0-9a-f]{2}):([01][0-9a-f])\.([0-7])$/i;
const NAME_WITH_ID_RE = /^(.*?)\s*\[([0-9a-f]{4})\]$/i;
const OPTION_RE = /^-([rp])([0-9a-f]{2})$/i;

interface Token {
  quoted: boolean;
  text: string;
}

function tokenize(line: string, lineNo: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '"') {
      let text = '';
      i++;
      let closed = false;
      while (i < line.length) {
        const d = line[i] ?? '';
        if (d === '\\' && i + 1 < line.length) {
          text += line[i + 1] ?? '';
          i += 2;
        } else if (d === '"') {
          closed = true;
          i++;
          break;
        } else {
          text += d;
          i++;
        }
      }
      if (!closed) throw new ParseError(FORMAT, 'unterminated quoted field', lineNo);
      tokens.push({ quoted: true, text });
    } else {
      let j = i;
      while (j < line.length && line[j] !== ' ' && line[j] !== '\t' && line[j] !== '"') j++;
      tokens.push({ quoted: false, text: line.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

function splitNameAndId(field: string, what: string, lineNo: number): { name: string; id: string } {
  const m = NAME_WITH_ID_RE.exec(field);
  if (!m)
    throw new ParseError(
      FORMAT,
      `${what} "${field}" has no [xxxx] ID (was lspci run with -nn?)`,
      lineNo,
    );
  return { name: m[1] ?? '', id: (m[2] ?? '').toLowerCase() };
}

function parseLine(line: string, lineNo: number): LspciEntry {
  const tokens = tokenize(line, lineNo);
  const first = tokens[0];
  const m = first && !first.quoted ? ADDRESS_RE.exec(first.text) : null;
  if (!m)
    throw new ParseError(
      FORMAT,
      `expected a PCI address at the start of "${line.slice(0, 40)}"`,
      lineNo,
    );
  const address = `${(m[1] ?? '0000').toLowerCase()}:${(m[2] ?? '').toLowerCase()}:${(m[3] ?? '').toLowerCase()}.${m[4] ?? ''}`;

  const fields: string[] = [];
  let revision: string | null = null;
  let progIf: string | null = null;
  for (const token of tokens.slice(1)) {
    if (token.quoted) {
      fields.push(token.text);
      continue;
    }
    // The man page allows the -r/-p options anywhere after the slot.
    const opt = OPTION_RE.exec(token.text);
    if (!opt) throw new ParseError(FORMAT, `unexpected token "${token.text}"`, lineNo);
    const value = (opt[2] ?? '').toLowerCase();
    if (opt[1]?.toLowerCase() === 'r') revision = value;
    else progIf = value;
  }
  if (fields.length !== 3 && fields.length !== 5) {
    throw new ParseError(FORMAT, `expected 3 or 5 quoted fields, found ${fields.length}`, lineNo);
  }
  const [
    classField = '',
    vendorField = '',
    deviceField = '',
    subVendorField = '',
    subDeviceField = '',
  ] = fields;
  const cls = splitNameAndId(classField, 'class', lineNo);
  const vendor = splitNameAndId(vendorField, 'vendor', lineNo);
  const device = splitNameAndId(deviceField, 'device', lineNo);

  let subVendor: { name: string; id: string } | null = null;
  let subDevice: { name: string; id: string } | null = null;
  if (subVendorField !== '' || subDeviceField !== '') {
    subVendor = splitNameAndId(subVendorField, 'subsystem vendor', lineNo);
    subDevice = splitNameAndId(subDeviceField, 'subsystem', lineNo);
  }
  return {
    address,
    className: cls.name,
    classCode: cls.id,
    vendorName: vendor.name,
    vendorId: vendor.id,
    deviceName: device.name,
    deviceId: device.id,
    revision,
    progIf,
    subsystemVendorName: subVendor?.name ?? null,
    subsystemVendorId: subVendor?.id ?? null,
    subsystemName: subDevice?.name ?? null,
    subsystemId: subDevice?.id ?? null,
  };
}

/**
 * `lspci -nnmm -D` (also accepts output without -D: then domain 0000). Each line: address then quoted
 * fields "Class [cccc]" "Vendor [vvvv]" "Device [dddd]", optional -rXX -pXX, and "Subvendor [ssss]"
 * "Subdevice [ssss]" (which may be empty ""). The ID is the last [xxxx] of a field.
 */
export function parseLspciNnmm(text: string): LspciEntry[] {
  const entries: LspciEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '') continue;
    entries.push(parseLine(line, i + 1));
  }
  return entries;
}
