// Parsers for what a NixOS machine records about the origin of its running system:
// `nixos-version --json`, /etc/nix/registry.json, and `find -printf` listings of mtimes.
import { ParseError } from '../model/errors';
import type { NixosVersionInfo } from '../model/nixos-origin';

function jsonObject(format: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ParseError(format, 'not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ParseError(format, 'expected a JSON object');
  return value as Record<string, unknown>;
}

const optionalString = (format: string, o: Record<string, unknown>, key: string) => {
  const value = o[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ParseError(format, `${key} is not a string`);
  return value;
};

/**
 * `nixos-version --json`: `builtins.toJSON` of `{ nixosVersion; }` plus `nixpkgsRevision` and
 * `configurationRevision` only when they are known (nixpkgs nixos/modules/installer/tools/tools.nix
 * at 00630c27001d385ba16f70315dabc603f96d3d60).
 */
export function parseNixosVersionJson(text: string): NixosVersionInfo {
  const format = 'nixos-version --json';
  const o = jsonObject(format, text);
  const nixosVersion = optionalString(format, o, 'nixosVersion');
  if (nixosVersion === null) throw new ParseError(format, 'no nixosVersion');
  return {
    nixosVersion,
    nixpkgsRevision: optionalString(format, o, 'nixpkgsRevision'),
    configurationRevision: optionalString(format, o, 'configurationRevision'),
  };
}

const STORE_PATH_RE = /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+$/;

/** A Nix store path: 32 characters of Nix's base-32 (no e, o, u, t) and a name. */
export function isStorePath(path: string): boolean {
  return STORE_PATH_RE.test(path);
}

/**
 * The store path /etc/nix/registry.json pins `nixpkgs` to, or null. NixOS writes the file as
 * `builtins.toJSON { version = 2; flakes = [ { from; to; exact; } ]; }` (nix-flakes.nix), and
 * nixpkgs-flake.nix sets `nix.registry.nixpkgs.to = { type = "path"; path = source; }` when the
 * system is built with nixpkgs.lib.nixosSystem (nixpkgs 15162cff9ee30ecd59e0a5ecc287361e603a27e1).
 */
export function parseRegistryNixpkgsPath(text: string): string | null {
  const format = '/etc/nix/registry.json';
  const o = jsonObject(format, text);
  const flakes = o.flakes;
  if (!Array.isArray(flakes)) throw new ParseError(format, 'no flakes list');
  for (const entry of flakes as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { from, to } = entry as { from?: unknown; to?: unknown };
    if (typeof from !== 'object' || from === null || typeof to !== 'object' || to === null)
      continue;
    const f = from as Record<string, unknown>;
    const t = to as Record<string, unknown>;
    if (f.type !== 'indirect' || f.id !== 'nixpkgs') continue;
    if (t.type === 'path' && typeof t.path === 'string' && isStorePath(t.path)) return t.path;
  }
  return null;
}

export interface PrintfRecord {
  /** `%T@`: the modification time, seconds since the epoch (with a fraction). */
  modifiedAt: number;
  /** The other fields, in the order the format printed them. */
  fields: string[];
}

/**
 * GNU find's `-printf '%T@\t...\0'`: NUL-terminated records (a file name may hold a newline, never
 * a NUL) whose first tab-separated field is the mtime. `fieldCount` counts the fields after it; the
 * last field may itself hold tabs.
 */
export function parseFindPrintf(text: string, fieldCount: number, format: string): PrintfRecord[] {
  const records = text.split('\0');
  if (records[records.length - 1] !== '')
    throw new ParseError(format, 'the output does not end with a NUL');
  return records.slice(0, -1).map((record, i) => {
    const parts = record.split('\t');
    const time = parts[0] ?? '';
    if (!/^\d{1,12}(\.\d+)?$/.test(time) || parts.length < fieldCount + 1)
      throw new ParseError(format, `record ${i + 1} is not "mtime<TAB>..."`);
    const fields = parts.slice(1, fieldCount);
    fields.push(parts.slice(fieldCount).join('\t'));
    return { modifiedAt: Number(time), fields };
  });
}
