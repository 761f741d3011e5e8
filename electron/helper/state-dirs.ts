// Cohabit's own directories (the journal, markers and backups under /var/lib/cohabit, the mount
// root /mnt/cohabit) are trusted only when nobody but root can change them: root-owned, not
// group- or other-writable, no link anywhere on the way (issue 13). Otherwise another user could
// plant a journal that `recover` would run as root, or swap a mount point for a link to /etc.
import { HostError } from '../host/host';
import type { StatResult } from '../host/host';
import type { ExecHost } from './exec-host';

/** The stable id every refusal of an unsafe state directory names. */
export const STATE_DIR_RULE = 'helper.state-dir';

/** Owners trusted for Cohabit's directories: root, and whoever the changes are made as. */
export function trustedUids(host: Pick<ExecHost, 'actingUid'>): Set<number> {
  return new Set([0, host.actingUid ?? 0]);
}

const prefixesOf = (path: string): string[] => {
  const parts = path.split('/').filter((p) => p !== '');
  return ['/', ...parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
};

function entryProblem(
  prefix: string,
  s: StatResult,
  trusted: Set<number>,
  strict: boolean,
): string | null {
  if (s.kind === 'link') return `${prefix} is a symbolic link`;
  if (s.kind !== 'dir') return `${prefix} is not a directory`;
  if (!trusted.has(s.uid)) return `${prefix} belongs to uid ${s.uid}, not root`;
  // A sticky directory (/tmp) keeps others from renaming what root put there: fine on the way,
  // never for the state directory itself.
  if ((s.mode & 0o022) !== 0 && (strict || (s.mode & 0o1000) === 0))
    return `${prefix} is writable by ${(s.mode & 0o020) !== 0 ? 'its group' : 'others'} (mode ${s.mode.toString(8).padStart(4, '0')})`;
  return null;
}

/**
 * Why `path` cannot be trusted as a state directory, or null. Every existing component from / is
 * lstat'ed; those from `strictFrom` on (the state directories themselves) may not be group- or
 * other-writable even when sticky. Components that do not exist yet are fine: root makes them.
 */
export async function stateDirProblem(
  host: ExecHost,
  path: string,
  strictFrom: string = path,
): Promise<string | null> {
  const trusted = trustedUids(host);
  const prefixes = prefixesOf(path);
  // Asked for all at once (over SSH, one round trip), read in order as a walk from / would.
  const stats = await Promise.all(
    prefixes.map((prefix) =>
      host.stat(prefix).then(
        (s): unknown => s,
        (error: unknown) => error,
      ),
    ),
  );
  for (const [i, prefix] of prefixes.entries()) {
    const s = stats[i];
    if (s instanceof HostError && s.code === 'ENOENT') return null;
    if (s instanceof Error) throw s;
    if (!isStat(s)) throw new Error(`${prefix}: no answer`);
    const strict = prefix === strictFrom || prefix.startsWith(`${strictFrom}/`);
    const problem = entryProblem(prefix, s, trusted, strict);
    if (problem !== null)
      return `rule ${STATE_DIR_RULE}: ${problem}; Cohabit keeps its state only where nobody but root can change it (chown root and chmod go-w it, or remove it)`;
  }
  return null;
}

const isStat = (s: unknown): s is StatResult =>
  typeof s === 'object' && s !== null && 'kind' in s && 'uid' in s && 'mode' in s;

export class UnsafeStateDir extends Error {}

/** Makes the state directory (mode for what it creates), then refuses it unless it is safe. */
export async function ensureStateDir(
  host: ExecHost,
  path: string,
  mode: number,
  strictFrom: string = path,
): Promise<void> {
  const before = await stateDirProblem(host, path, strictFrom);
  if (before !== null) throw new UnsafeStateDir(before);
  await host.mkdir(path, mode, { recursive: true });
  const after = await stateDirProblem(host, path, strictFrom);
  if (after !== null) throw new UnsafeStateDir(after);
}
