// Parser for /proc/mounts (or /proc/self/mounts): which device is mounted where, as the kernel
// has it right now. The kernel escapes space, tab, newline and backslash in paths as octal.
import { ParseError } from '../model/errors';

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  options: string;
}

const FORMAT = '/proc/mounts';

/** The kernel's mangle() writes `\ooo` for the bytes it must not print raw. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}

/** /proc/mounts (or /proc/self/mounts): octal escapes like \040 (space), \011, \012, \134 decoded. */
export function parseProcMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    // Fields are separated by exactly one space; a space inside a field is always escaped.
    const fields = line.split(' ');
    if (fields.length < 4 || fields.length > 6 || fields.slice(0, 4).some((f) => f === '')) {
      const shown = JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
      throw new ParseError(
        FORMAT,
        `expected "source target fstype options dump pass": ${shown}`,
        index + 1,
      );
    }
    const [source = '', target = '', fstype = '', options = ''] = fields;
    entries.push({
      source: unescape(source),
      target: unescape(target),
      fstype: unescape(fstype),
      options: unescape(options),
    });
  });
  return entries;
}
