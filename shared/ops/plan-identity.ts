// A plan's identity across every boundary (renderer, backend, helper, journal): the canonical JSON
// of what runs and its SHA-256, taken with Web Crypto (shared/ has no Node built-ins; Node >= 19,
// Electron and every browser in a secure context have crypto.subtle).
import type { Plan } from '../model/plan';

/** JSON with sorted keys and no undefined members: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of UTF-8 text or of bytes, as 64 lower-case hex digits. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  // A copy into a plain ArrayBuffer: a view on a SharedArrayBuffer is refused by digest().
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The hash a plan is named by and the helper checks: it covers the id, the pool and every step
 * (verbs, arguments and what the user reads of them); not the diagnostics or the next steps,
 * which change nothing on the machine.
 */
export function planSha256(plan: Pick<Plan, 'id' | 'pool' | 'steps'>): Promise<string> {
  return sha256Hex(canonicalJson({ id: plan.id, pool: plan.pool, steps: plan.steps }));
}

/** Where the executor keeps its state: the journal, the markers and the backups. */
export const COHABIT_STATE_DIR = '/var/lib/cohabit';

/**
 * The copy the executor makes of a file before replacing it, named by the hash of its path (a
 * path may hold any character a file name may not). The recovery sheet names the same file.
 */
export async function backupPathFor(
  planId: string,
  path: string,
  stateDir: string = COHABIT_STATE_DIR,
): Promise<string> {
  return `${stateDir}/backups/${planId}/${(await sha256Hex(path)).slice(0, 32)}`;
}
