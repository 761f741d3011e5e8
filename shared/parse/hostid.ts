// /etc/hostid <-> the 8 hex digits of NixOS networking.hostId. The file holds gethostid()'s 32-bit
// value in host byte order (little-endian on x86), so the digits are the bytes read backwards.
import { ParseError } from '../model/errors';

const hex2 = (b: number) => b.toString(16).padStart(2, '0');

/** 4 bytes -> 8 lowercase hex digits, e.g. bytes 30 b8 c7 75 -> "75c7b830". */
export function parseHostId(bytes: Uint8Array): string {
  if (bytes.length !== 4)
    throw new ParseError('/etc/hostid', `expected 4 bytes, got ${bytes.length}`);
  return [3, 2, 1, 0].map((i) => hex2(bytes[i] ?? 0)).join('');
}

/** The inverse: "75c7b830" -> bytes 30 b8 c7 75, as NixOS writes /etc/hostid. */
export function formatHostIdBytes(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{8}$/.test(hex))
    throw new ParseError('hostId', `expected 8 hex digits, got "${hex.slice(0, 20)}"`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[3 - i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
