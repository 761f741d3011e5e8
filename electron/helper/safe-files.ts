// File writes that never follow a link (issue 13): root writes into directories a user may own (an
// /etc/nixos chowned to the user is a common NixOS habit), where that user can plant a symbolic
// link or swap a name between two calls. Every file is created with O_CREAT|O_EXCL|O_NOFOLLOW under
// a random name, changed through its descriptor only (fchown, fchmod, fsync), checked to still be
// the file at that name, then renamed into place, and the directory fsync'd through a descriptor
// opened with O_DIRECTORY|O_NOFOLLOW. Node has no openat/renameat, so the rename still goes by
// name: the dev/ino checks just before it are as close as Node allows (docs/decisions.md).
import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

const { O_WRONLY, O_RDONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_APPEND, O_DIRECTORY } = constants;

/** Opens a new file that did not exist, never through a link, readable by root only until fchmod. */
export function createExclusive(path: string): Promise<FileHandle> {
  return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
}

const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

/** Thrown when a name changed under us: someone swapped a file or directory between two calls. */
export class SwappedError extends Error {
  readonly code = 'ELOOP';
}

export interface NoFollowWrite {
  /** The temp name beside the target (random: see tempNameFor). */
  temp: string;
  mode: number;
  uid?: number;
  gid?: number;
}

/**
 * Writes bytes to a new temp file and renames it over path. The owner, when not given, is the one
 * of the regular file path names now (a link there is replaced, never followed, and its owner is
 * not inherited). A failure removes the temp file (by name: at worst someone else's file of that
 * random name, never a link's target, since unlink does not follow links).
 */
export async function writeNoFollow(
  path: string,
  bytes: Uint8Array,
  options: NoFollowWrite,
): Promise<void> {
  const dir = await open(dirname(path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  let created = false;
  try {
    const dirStat = await dir.stat();
    let { uid, gid } = options;
    if (uid === undefined || gid === undefined) {
      const existing = await lstat(path).catch(() => null);
      if (existing?.isFile()) {
        uid ??= existing.uid;
        gid ??= existing.gid;
      }
    }
    const handle = await createExclusive(options.temp);
    created = true;
    let mine: Stats;
    try {
      await handle.writeFile(bytes);
      if (uid !== undefined && gid !== undefined && process.geteuid?.() === 0)
        await handle.chown(uid, gid);
      await handle.chmod(options.mode);
      await handle.sync();
      mine = await handle.stat();
    } finally {
      await handle.close();
    }
    // The name must still be our file and the directory the one opened above, or the rename
    // would move someone else's entry into place.
    if (
      !sameFile(await lstat(options.temp), mine) ||
      !sameFile(await lstat(dirname(path)), dirStat)
    )
      throw new SwappedError(`${options.temp} was replaced while it was written`);
    await rename(options.temp, path);
    created = false;
    await dir.sync();
  } catch (error) {
    if (created) await unlink(options.temp).catch(() => undefined);
    throw error;
  } finally {
    await dir.close();
  }
}

/**
 * Copies a regular file: the source is opened with O_NOFOLLOW and must be a regular file (a link
 * or a device swapped in is refused), the copy keeps its mode and owner (from the descriptor, so
 * they are the copied file's), written to a new temp file and renamed over target.
 */
export async function copyNoFollow(source: string, target: string, temp: string): Promise<void> {
  const src = await open(source, O_RDONLY | O_NOFOLLOW);
  let bytes: Buffer;
  let s: Stats;
  try {
    s = await src.stat();
    if (!s.isFile()) throw new SwappedError(`${source} is not a regular file`);
    bytes = await src.readFile();
  } finally {
    await src.close();
  }
  await writeNoFollow(target, bytes, { temp, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid });
}

/** Appends and fsyncs, never through a link; with createNew the file must not exist yet. */
export async function appendNoFollow(path: string, text: string, createNew = false): Promise<void> {
  const flags = O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | (createNew ? O_EXCL : 0);
  const handle = await open(path, flags, 0o600);
  try {
    await handle.appendFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
