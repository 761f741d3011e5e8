// The host snapshot file (`cohabit-host-snapshot/1`): every read and command an inventory made,
// with its result or its error, so that a snapshot replays the machine exactly.
import * as v from 'valibot';

export const SNAPSHOT_FORMAT = 'cohabit-host-snapshot/1';

const ErrorEntry = v.object({ error: v.string(), message: v.optional(v.string()) });
const FileEntry = v.union([
  v.object({ text: v.string() }),
  v.object({ base64: v.string() }),
  ErrorEntry,
]);
const DirEntry = v.union([v.object({ entries: v.array(v.string()) }), ErrorEntry]);
const LinkEntry = v.union([v.object({ target: v.string() }), ErrorEntry]);
const StatEntry = v.union([
  v.object({
    kind: v.picklist(['file', 'dir', 'link', 'other']),
    size: v.number(),
    mode: v.number(),
    uid: v.number(),
    gid: v.number(),
  }),
  ErrorEntry,
]);
const CommandEntry = v.union([
  v.object({
    argv: v.array(v.string()),
    stdout: v.string(),
    stderr: v.string(),
    exitCode: v.number(),
  }),
  v.object({ argv: v.array(v.string()), error: v.string(), message: v.optional(v.string()) }),
]);

export const HostSnapshotSchema = v.object({
  format: v.literal(SNAPSHOT_FORMAT),
  description: v.string(),
  recordedAt: v.string(),
  redacted: v.boolean(),
  files: v.record(v.string(), FileEntry),
  dirs: v.record(v.string(), DirEntry),
  links: v.record(v.string(), LinkEntry),
  stats: v.record(v.string(), StatEntry),
  commands: v.array(CommandEntry),
  /** `cohabit snapshot --log`: the end of the user's log, for a bug report (not replayed). */
  log: v.optional(v.object({ path: v.string(), tail: v.string() })),
});
export type HostSnapshot = v.InferOutput<typeof HostSnapshotSchema>;
export type SnapshotFileEntry = v.InferOutput<typeof FileEntry>;
export type SnapshotCommandEntry = v.InferOutput<typeof CommandEntry>;

export function emptySnapshot(description: string): HostSnapshot {
  return {
    format: SNAPSHOT_FORMAT,
    description,
    recordedAt: new Date().toISOString(),
    redacted: false,
    files: {},
    dirs: {},
    links: {},
    stats: {},
    commands: [],
  };
}

/** Commands are looked up by their argv, compared element by element. */
export function argvKey(argv: readonly string[]): string {
  return JSON.stringify(argv);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
export function encodeFile(bytes: Uint8Array): SnapshotFileEntry {
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { base64: Buffer.from(bytes).toString('base64') };
  }
}
export function decodeFile(entry: { text: string } | { base64: string }): Uint8Array {
  return 'text' in entry
    ? new TextEncoder().encode(entry.text)
    : new Uint8Array(Buffer.from(entry.base64, 'base64'));
}
