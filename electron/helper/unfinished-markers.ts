// World-readable markers of running plans (<journalDir>/unfinished/<plan id>): the journal is root's,
// so these let the unprivileged app see at start-up that a plan never ended, without a password.
import * as v from 'valibot';
import { HostError, readText } from '../host/host';
import type { Host } from '../host/host';
import type { ExecHost } from './exec-host';
import { ensureStateDir } from './state-dirs';

/**
 * What a marker holds: progress only; the plan itself (paths, file contents) stays in the journal.
 * It is updated when a step starts (one write per step: over SSH each write is a round trip), so
 * `inFlight` is the last step that started and `doneSteps` the steps done before it; the journal
 * says whether that step finished.
 */
export const MarkerSchema = v.strictObject({
  planId: v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/)),
  startedAt: v.string(),
  totalSteps: v.number(),
  doneSteps: v.number(),
  inFlight: v.nullable(v.string()),
  /** Set when the plan ended with a rollback that could not undo every step. */
  rollbackIncomplete: v.optional(v.boolean()),
});
export type Marker = v.InferOutput<typeof MarkerSchema>;

const PLAN_ID = /^[0-9a-f]{16}$/;

export function markerDir(journalDir: string): string {
  return `${journalDir}/unfinished`;
}

export function markerPath(journalDir: string, planId: string): string {
  return `${markerDir(journalDir)}/${planId}`;
}

/** Writes (or updates) the marker atomically and durably: a crash leaves the old one or the new one. */
export async function writeMarker(
  host: ExecHost,
  journalDir: string,
  marker: Marker,
  options: { dirsExist?: boolean } = {},
): Promise<void> {
  // The parent must stay traversable by everyone, or the marker is as hidden as the journal.
  if (!options.dirsExist) {
    await ensureStateDir(host, journalDir, 0o755);
    await ensureStateDir(host, markerDir(journalDir), 0o755, journalDir);
  }
  await host.writeFileAtomic(
    markerPath(journalDir, marker.planId),
    new TextEncoder().encode(JSON.stringify(marker) + '\n'),
    { mode: 0o644, tempTag: marker.planId },
  );
}

export async function removeMarker(
  host: ExecHost,
  journalDir: string,
  planId: string,
): Promise<void> {
  await host.unlink(markerPath(journalDir, planId));
}

/**
 * The markers, read with whatever rights the caller has (no root needed). A missing directory
 * means no plan ever ran here; a marker that does not parse is skipped (only root writes there,
 * and atomically, so it is not a torn write but something that is not ours).
 */
export async function findUnfinishedMarkers(host: Host, journalDir: string): Promise<Marker[]> {
  let names: string[];
  try {
    names = await host.readDir(markerDir(journalDir));
  } catch (error) {
    if (error instanceof HostError && error.code === 'ENOENT') return [];
    throw error;
  }
  const markers: Marker[] = [];
  for (const name of names.filter((n) => PLAN_ID.test(n)).sort()) {
    let text: string;
    try {
      text = await readText(host, markerPath(journalDir, name), 64 * 1024);
    } catch (error) {
      // Removed between the listing and the read: that plan just ended.
      if (error instanceof HostError && error.code === 'ENOENT') continue;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue;
    }
    const parsed = v.safeParse(MarkerSchema, json);
    if (parsed.success && parsed.output.planId === name) markers.push(parsed.output);
  }
  return markers;
}
