// GRUB script text for the menu entries Cohabit adds: quoting for GRUB's shell-like lexer and the
// entry that chains to another NixOS system's grub.cfg inside a ZFS dataset.
//
// Verified in GRUB's sources (grub-core/script/yylex.l, grub-core/fs/zfs/zfs.c, normal/main.c) and
// with Debian's grub-script-check 2.06 (grub.spec.ts):
// - A single-quoted part `'...'` takes every byte literally up to the next `'`; there is no escape
//   inside it. Parts join into one word, so `'it'\''s'` is the word `it's` (an unquoted `\x` is x).
//   grub-mkconfig quotes the same way (grub_quote in grub-mkconfig_lib).
// - The config reader drops every carriage return (grub_file_getline), so a CR cannot be kept;
//   a newline would be kept inside quotes but has no place in a title or an argument here.
// - `search --label` matches a ZFS pool by its name (zfs_label returns the pool name), and so does
//   any other filesystem with that label: a USB stick labelled `zroot` would take the entry over.
//   `search --fs-uuid` matches what zfs_uuid returns, the pool GUID as `%016llx` (16 lowercase hex
//   digits, zero-padded; grub-core/fs/zfs/zfs.c), which only that pool has.
// - zfs.c splits a path at its FIRST `@`: before it the dataset (relative to the pool, slashes
//   skipped), after it an optional snapshot name up to the next `/`, then the file. Without `@`
//   GRUB fails with "missing `@' symbol". The GRUB manual (File name syntax) says the same.

/** A value that GRUB's script language cannot carry, or a path that GRUB would not resolve. */
export class GrubEmitError extends Error {
  override readonly name = 'GrubEmitError';
}

/** Quote a word for grub.cfg: GRUB's shell-like lexer. Use single quotes and the '\'' pattern; reject NUL and newline where they can't be represented. */
export function grubQuote(word: string): string {
  if (word.includes('\0')) throw new GrubEmitError('GRUB script cannot hold a NUL character');
  if (/[\r\n]/.test(word)) {
    throw new GrubEmitError(
      'a GRUB word here cannot hold a line break (GRUB drops carriage returns)',
    );
  }
  return `'${word.replaceAll("'", "'\\''")}'`;
}

const MENU_ID_RE = /^[a-z0-9-]+$/;
// Control characters (tab aside) in a title would reach the menu's terminal as they are; C1 ones
// such as U+009B (CSI) are escape sequences on some terminals.
function hasControlCharacters(title: string): boolean {
  return /\p{Cc}/u.test(title.replaceAll('\t', ''));
}

export interface GrubChainEntry {
  /** The menu label, shown as written (any Unicode, no line breaks or control characters). */
  title: string;
  /** The pool's GUID as `zpool list -Hp -o guid` prints it (decimal); GRUB finds the pool by it. */
  poolGuid: string;
  /** The file GRUB loads, as made by zfsGrubPath. */
  configPath: string;
  /** The entry's `--id`, for `default=` and grub-reboot; lowercase letters, digits, dashes. */
  id?: string;
}

/** A menuentry that chains to another system's grub.cfg on a ZFS dataset, as the seed recipe does:
menuentry "New System" {
  search --set=drive1 --label zroot
  configfile ($drive1)/new-system/@/boot/grub/grub.cfg
} — but with the title and every argument quoted, the path computed by zfsGrubPath, and the pool
found by its GUID instead of its name (any filesystem labelled `zroot` answers `--label zroot`). */
export function emitGrubChainEntry(opts: GrubChainEntry): string {
  const { title, configPath, id } = opts;
  const uuid = grubZfsUuid(opts.poolGuid);
  if (title.trim() === '') throw new GrubEmitError('a menu entry needs a title');
  if (hasControlCharacters(title)) {
    throw new GrubEmitError('a menu title cannot hold line breaks or control characters');
  }
  if (!configPath.startsWith('/') || !configPath.includes('@')) {
    throw new GrubEmitError(
      `"${configPath}" is not a GRUB ZFS path (/<dataset>/@/<file>); use zfsGrubPath`,
    );
  }
  if (id !== undefined && !MENU_ID_RE.test(id)) {
    throw new GrubEmitError(`menu entry id "${id}" may only hold a-z, 0-9 and -`);
  }
  const idOption = id === undefined ? '' : ` --id ${grubQuote(id)}`;
  return [
    `menuentry ${grubQuote(title)}${idOption} {`,
    // --no-floppy: probing a floppy drive stalls for seconds on machines that report one.
    `  search --no-floppy --set=drive1 --fs-uuid ${grubQuote(uuid)}`,
    // `($drive1)` stays outside the quotes so that GRUB expands it; it joins the quoted path into
    // one word. drive1 holds a device name that search itself set (e.g. hd0,gpt2).
    `  configfile ($drive1)${grubQuote(configPath)}`,
    '}',
    '',
  ].join('\n');
}

const MAX_U64 = (1n << 64n) - 1n;

/**
 * The pool GUID as GRUB names the pool's filesystem UUID: `zfs_uuid` prints the 64-bit
 * ZPOOL_CONFIG_POOL_GUID with `%016llx`. `zpool list -Hp -o guid` prints the same number in decimal.
 */
export function grubZfsUuid(poolGuid: string): string {
  if (!/^[0-9]{1,20}$/.test(poolGuid))
    throw new GrubEmitError(`pool GUID "${poolGuid}" is not a decimal number`);
  const guid = BigInt(poolGuid);
  // A pool's GUID is never 0 (spa_generate_guid skips it); 0 would mean the inventory lost it.
  if (guid === 0n || guid > MAX_U64)
    throw new GrubEmitError(`pool GUID "${poolGuid}" is not a 64-bit pool GUID`);
  return guid.toString(16).padStart(16, '0');
}

/** The GRUB path of a file inside a ZFS dataset: `/<dataset without pool>/@/<path inside the dataset>`; the pool's root dataset gives `/@/<path>`; `@snap` for a snapshot. (GRUB's zfs driver: see grub-core/fs/zfs/zfs.c, `@` separates the dataset path from the file path.) */
export function zfsGrubPath(dataset: string, pathInDataset: string, snapshot?: string): string {
  const components = dataset.split('/');
  for (const c of components) {
    if (c === '' || c === '.' || c === '..')
      throw new GrubEmitError(`"${dataset}" is not a dataset name`);
    // GRUB takes the first `@` as the end of the dataset part, so a dataset cannot hold one.
    if (c.includes('@') || hasUnrepresentable(c)) {
      throw new GrubEmitError(`dataset "${dataset}" holds a character GRUB cannot use in a path`);
    }
  }
  if (snapshot !== undefined) {
    if (snapshot === '' || /[/@]/.test(snapshot) || hasUnrepresentable(snapshot)) {
      throw new GrubEmitError(`"${snapshot}" is not a snapshot name GRUB can use`);
    }
  }
  const trimmed = pathInDataset.replace(/^\/+/, '');
  const segments = trimmed === '' ? [] : trimmed.split('/');
  for (const s of segments) {
    // GRUB resolves `..` itself, but a path that climbs is a planner mistake, not a file to chain.
    if (s === '' || s === '.' || s === '..' || hasUnrepresentable(s)) {
      throw new GrubEmitError(`"${pathInDataset}" is not a plain path inside the dataset`);
    }
  }
  const inPool = components
    .slice(1)
    .map((c) => `${c}/`)
    .join('');
  return `/${inPool}@${snapshot ?? ''}/${segments.join('/')}`;
}

function hasUnrepresentable(text: string): boolean {
  return /[\0\r\n]/.test(text);
}
