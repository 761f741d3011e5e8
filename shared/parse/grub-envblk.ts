// GRUB's environment block (grubenv) read the way GRUB reads it at boot, so that the root helper can
// see a one-time choice (next_entry) someone else left there before it sets its own (issue 16).
// Strict: anything grub-editenv would not have written is refused rather than guessed at, because a
// guess that differs from GRUB's reading could hide a pending choice. The format, per GRUB's
// grub-core/lib/envblk.c and util/grub-editenv.c (rhboot/grub2 35b14e75):
// - the signature line, then lines up to the padding, then '#' padding to the end (1024 bytes as
//   grub-editenv creates it; set and unset never change the size);
// - a line starting with '#' is a comment (grub-editenv writes one, the "WARNING: Do not edit");
//   any other line is name=value, the name up to the first '=';
// - in a value, grub-editenv writes `\\` for a backslash and `\` + line feed for a line feed; GRUB
//   reads `\x` as x and ends the line at the first unescaped line feed, also inside a comment.
import { ParseError } from '../model/errors';

/** GRUB_ENVBLK_SIGNATURE (include/grub/lib/envblk.h). */
export const GRUB_ENVBLK_SIGNATURE = '# GRUB Environment Block\n';
/** DEFAULT_ENVBLK_SIZE (util/grub-editenv.c): the size grub-install and grub-editenv create. */
export const GRUB_ENVBLK_SIZE = 1024;

export interface GrubEnvBlock {
  /** Every variable, its value unescaped, in the block's order. */
  variables: ReadonlyMap<string, string>;
  /** Padding bytes left: room for new variables. */
  freeBytes: number;
}

const FORMAT = 'GRUB environment block';
const HASH = 0x23;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
/**
 * The names Cohabit accepts: what a GRUB script can name as $name. grub-editenv takes any name
 * without '=', even one holding a line feed, which GRUB's reader and grub-editenv's own set then
 * split differently (the name runs on past the line feed to the next '='): refused.
 */
const NAME_RE = /^[A-Za-z0-9_]+$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function fail(message: string): never {
  throw new ParseError(FORMAT, message);
}

/** The end of the line starting at `start` (the index of its line feed), read as GRUB does. */
function lineEnd(bytes: Uint8Array, start: number, end: number): number {
  let p = start;
  while (p < end) {
    const b = bytes[p];
    if (b === NEWLINE) return p;
    if (b === BACKSLASH) {
      if (p + 1 >= end) fail(`a backslash at byte ${p} escapes the padding`);
      p += 2;
    } else p++;
  }
  return fail(`the line at byte ${start} runs into the padding without a line feed`);
}

/** A value as GRUB hands it to the script: `\x` is x. Only what grub-editenv writes is accepted. */
function unescapeValue(bytes: Uint8Array, start: number, end: number): string {
  const out: number[] = [];
  for (let p = start; p < end; p++) {
    let b = bytes[p] as number;
    if (b === BACKSLASH) {
      p++;
      b = bytes[p] as number;
      if (b !== BACKSLASH && b !== NEWLINE)
        fail(
          `byte ${p - 1} escapes ${JSON.stringify(String.fromCharCode(b))}, which grub-editenv never escapes`,
        );
    }
    // GRUB's variables are C strings: a NUL would end the value GRUB sees early.
    if (b === 0) fail(`a value holds a NUL byte at byte ${p}`);
    out.push(b);
  }
  try {
    return utf8.decode(new Uint8Array(out));
  } catch {
    return fail(`the value at byte ${start} is not UTF-8`);
  }
}

/** Parses a whole grubenv file; throws ParseError for anything but a block grub-editenv could write. */
export function parseGrubEnvBlock(bytes: Uint8Array): GrubEnvBlock {
  if (bytes.length !== GRUB_ENVBLK_SIZE)
    fail(`expected ${GRUB_ENVBLK_SIZE} bytes, got ${bytes.length}`);
  const signature = new TextEncoder().encode(GRUB_ENVBLK_SIGNATURE);
  if (!signature.every((b, i) => bytes[i] === b))
    fail(`it does not start with ${JSON.stringify(GRUB_ENVBLK_SIGNATURE)}`);

  // The padding: the run of '#' at the end. grub_envblk_set calls a block broken unless a line feed
  // comes right before it; without any, there is no room for a variable that is not there yet.
  let end = bytes.length;
  while (end > signature.length && bytes[end - 1] === HASH) end--;
  if (end === bytes.length) fail(`it has no '#' padding at the end`);
  if (bytes[end - 1] !== NEWLINE) fail(`the padding does not follow a line feed (byte ${end - 1})`);

  const variables = new Map<string, string>();
  let p = signature.length;
  while (p < end) {
    const stop = lineEnd(bytes, p, end);
    if (bytes[p] === HASH) {
      // A comment. GRUB lets a backslash carry it over a line feed, a reading few other tools share.
      if (bytes.subarray(p, stop).includes(BACKSLASH))
        fail(`the comment at byte ${p} holds a backslash`);
    } else {
      const eq = bytes.subarray(p, stop).indexOf(EQUALS);
      if (eq < 0) fail(`the line at byte ${p} is neither a comment nor name=value`);
      const name = latin1.decode(bytes.subarray(p, p + eq));
      if (!NAME_RE.test(name))
        fail(
          `the name at byte ${p} (${JSON.stringify(name.slice(0, 40))}) is not letters, digits and _`,
        );
      // GRUB's boot reads the last of two, grub-editenv changes the first: which one counts is unclear.
      if (variables.has(name)) fail(`${name} is set twice`);
      variables.set(name, unescapeValue(bytes, p + eq + 1, stop));
    }
    p = stop + 1;
  }
  return { variables, freeBytes: bytes.length - end };
}
