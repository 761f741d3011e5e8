// `cohabit snapshot --redact`: replaces serial numbers, WWNs, UUIDs, pool GUIDs, the hostid and
// the hostname everywhere in a snapshot (contents, paths, argv) with stand-ins of the same shape,
// the same stand-in for the same value, so the redacted snapshot still replays consistently.
import { homedir } from 'node:os';
import { ZPOOL_GET_ARGV, ZPOOL_LIST_ARGV, LSBLK_ARGV } from '../inventory/commands';
import { argvKey } from './snapshot-format';
import type { HostSnapshot } from './snapshot-format';

const SENSITIVE_LSBLK_KEYS = new Set(['serial', 'wwn', 'uuid', 'partuuid', 'ptuuid']);
const MIN_TOKEN = 4;

function collectLsblk(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) collectLsblk(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (SENSITIVE_LSBLK_KEYS.has(k) && typeof v === 'string') out.add(v.trim());
      else collectLsblk(v, out);
    }
  }
}

/** A deterministic stand-in with the same length and character classes as the original. */
function standIn(token: string, index: number): string {
  let state = (index + 1) * 2654435761;
  const next = () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state;
  };
  let out = '';
  for (const ch of token) {
    if (/[0-9]/.test(ch)) out += String(next() % 10);
    else if (/[a-f]/.test(ch)) out += 'abcdef'.charAt(next() % 6);
    else if (/[A-F]/.test(ch)) out += 'ABCDEF'.charAt(next() % 6);
    else if (/[a-z]/.test(ch)) out += String.fromCharCode(97 + (next() % 26));
    else if (/[A-Z]/.test(ch)) out += String.fromCharCode(65 + (next() % 26));
    else out += ch;
  }
  return out === token ? out.replace(/./, (c) => (c === 'x' ? 'y' : 'x')) : out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function sensitiveTokens(snapshot: HostSnapshot): string[] {
  const tokens = new Set<string>();
  const command = (argv: readonly string[]) => {
    const c = snapshot.commands.find((e) => argvKey(e.argv) === argvKey(argv));
    return c !== undefined && 'stdout' in c ? c.stdout : null;
  };
  const lsblk = command(LSBLK_ARGV);
  if (lsblk !== null) {
    try {
      collectLsblk(JSON.parse(lsblk), tokens);
    } catch {
      // Unparseable output holds nothing we can find reliably; the lines below still apply.
    }
  }
  for (const line of (command(ZPOOL_LIST_ARGV) ?? '').split('\n')) {
    const guid = line.split('\t')[7];
    if (guid) tokens.add(guid);
  }
  for (const line of (command(ZPOOL_GET_ARGV) ?? '').split('\n')) {
    const [, prop, value] = line.split('\t');
    if ((prop === 'guid' || prop === 'load_guid') && value) tokens.add(value);
  }
  const hostname = snapshot.files['/etc/hostname'];
  if (hostname && 'text' in hostname && hostname.text.trim()) tokens.add(hostname.text.trim());
  const hostid = snapshot.files['/etc/hostid'];
  if (hostid && 'base64' in hostid) {
    const bytes = Buffer.from(hostid.base64, 'base64');
    if (bytes.length === 4) tokens.add(Buffer.from(bytes).reverse().toString('hex'));
  }
  // by-id names carry serials with underscores for spaces; catch those shapes too.
  for (const t of [...tokens]) if (t.includes(' ')) tokens.add(t.replace(/ /g, '_'));
  return [...tokens].filter((t) => t.length >= MIN_TOKEN && t !== '-' && t !== '0');
}

/** Replaces each sensitive value of `snapshot` in a text with its stand-in, as redactSnapshot does. */
export function snapshotRedactor(snapshot: HostSnapshot): {
  text: (s: string) => string;
  map: ReadonlyMap<string, string>;
} {
  const tokens = sensitiveTokens(snapshot).sort((a, b) => b.length - a.length);
  const map = new Map(tokens.map((t, i) => [t, standIn(t, i)]));
  const pattern = tokens.length === 0 ? null : new RegExp(tokens.map(escapeRegExp).join('|'), 'g');
  return {
    text: (s) => (pattern === null ? s : s.replace(pattern, (m) => map.get(m) ?? m)),
    map,
  };
}

/**
 * `home` is the user's home directory: a log tail (`snapshot --log`) names it in paths, and with
 * it the user; there it becomes `~`. The tail's machine values get the snapshot's own stand-ins,
 * so the two still read together.
 */
export function redactSnapshot(snapshot: HostSnapshot, home: string = homedir()): HostSnapshot {
  const { text: r, map } = snapshotRedactor(snapshot);
  const unHome = (s: string) => (home.length > 1 ? s.split(home).join('~') : s);
  const rekey = <T>(record: Record<string, T>, value: (v: T) => T): Record<string, T> =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [r(k), value(v)]));

  const files = rekey(snapshot.files, (e) => ('text' in e ? { text: r(e.text) } : e));
  const hostid = files['/etc/hostid'];
  if (hostid && 'base64' in hostid) {
    const bytes = Buffer.from(hostid.base64, 'base64');
    if (bytes.length === 4) {
      const fake = map.get(Buffer.from(bytes).reverse().toString('hex'));
      if (fake !== undefined)
        files['/etc/hostid'] = { base64: Buffer.from(fake, 'hex').reverse().toString('base64') };
    }
  }
  // A short hostname cannot be replaced everywhere without hitting unrelated text ("vm" is in
  // many paths); replace it where a hostname stands: the file and the flake attribute.
  const hostnameEntry = snapshot.files['/etc/hostname'];
  const shortHostname = hostnameEntry && 'text' in hostnameEntry ? hostnameEntry.text.trim() : '';
  const flakeAttr = (arg: string) =>
    shortHostname !== '' && shortHostname.length < MIN_TOKEN
      ? arg.split(`."${shortHostname}".`).join('."host".')
      : arg;
  if (shortHostname !== '' && shortHostname.length < MIN_TOKEN)
    files['/etc/hostname'] = { text: 'host\n' };
  return {
    ...snapshot,
    description: r(snapshot.description),
    redacted: true,
    files,
    dirs: rekey(snapshot.dirs, (e) => ('entries' in e ? { entries: e.entries.map(r) } : e)),
    links: rekey(snapshot.links, (e) => ('target' in e ? { target: r(e.target) } : e)),
    stats: rekey(snapshot.stats, (e) => e),
    ...(snapshot.log === undefined
      ? {}
      : { log: { path: unHome(r(snapshot.log.path)), tail: unHome(r(snapshot.log.tail)) } }),
    commands: snapshot.commands.map((c) =>
      'stdout' in c
        ? {
            argv: c.argv.map(r).map(flakeAttr),
            stdout: r(c.stdout),
            stderr: r(c.stderr),
            exitCode: c.exitCode,
          }
        : { ...c, argv: c.argv.map(r).map(flakeAttr) },
    ),
  };
}
