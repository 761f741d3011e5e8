// The walk the helper makes before it reads or writes a path: every component lstat'ed, a link
// anywhere refused (a local user must not steer root's write elsewhere with one).
import { HostError } from '../host/host';
import type { Host } from '../host/host';

/**
 * lstat every component: a link anywhere is refused; returns what the last existing one is. The
 * lstats are asked for all at once (over SSH that is one round trip) and read in order, so the
 * answer is the one a walk from / would give.
 */
export async function walk(
  host: Host,
  path: string,
): Promise<{ problem: string | null; kind: string | null }> {
  const parts = path.split('/').filter((p) => p !== '');
  const prefixes = parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
  const stats = await Promise.all(
    prefixes.map((prefix) =>
      host.stat(prefix).then(
        (s) => ({ s, error: null }),
        (error: unknown) => ({ s: null, error }),
      ),
    ),
  );
  for (const [i, { s, error }] of stats.entries()) {
    const prefix = prefixes[i] as string;
    if (s === null) {
      if (error instanceof HostError && error.code === 'ENOENT')
        return { problem: null, kind: null };
      throw error;
    }
    if (s.kind === 'link')
      return {
        problem: `${prefix} is a symbolic link, and Cohabit never writes through one`,
        kind: 'link',
      };
    if (prefix === path) return { problem: null, kind: s.kind };
  }
  return { problem: null, kind: 'dir' };
}
