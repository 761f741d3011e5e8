// Parser for /proc/cmdline, splitting the way the kernel's own next_arg() does (lib/cmdline.c,
// kernel/params.c), so that what we read is what the kernel and its modules saw.

export interface CmdlineArg {
  key: string;
  value: string | null;
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

/**
 * /proc/cmdline: whitespace-separated, double quotes group (`foo="a b"` -> key foo, value `a b`; quotes
 * may also surround the whole arg), `key=value` split at the first `=`, bare words have value null.
 * Never throws: the kernel accepts any string, an unterminated quote runs to the end.
 */
export function parseCmdline(text: string): CmdlineArg[] {
  const args: CmdlineArg[] = [];
  let pos = 0;
  while (pos < text.length) {
    while (pos < text.length && isSpace(text[pos] ?? '')) pos++;
    if (pos >= text.length) break;

    let start = pos;
    let inQuote = false;
    let quoted = false;
    if (text[start] === '"') {
      start++;
      inQuote = true;
      quoted = true;
    }
    let i = start;
    let equals = -1;
    for (; i < text.length; i++) {
      const c = text[i] ?? '';
      if (isSpace(c) && !inQuote) break;
      // As in the kernel, `=` at the very start of an argument is part of the key.
      if (equals === -1 && c === '=' && i > start) equals = i;
      if (c === '"') inQuote = !inQuote;
    }
    let end = i;
    pos = i;
    // A closing quote ends both a quoted value and a fully quoted argument.
    const endsWithQuote = end > start && text[end - 1] === '"';
    if (equals === -1) {
      if (quoted && endsWithQuote) end--;
      args.push({ key: text.slice(start, end), value: null });
      continue;
    }
    let valueStart = equals + 1;
    if (text[valueStart] === '"') {
      valueStart++;
      if (endsWithQuote && end - 1 >= valueStart) end--;
    } else if (quoted && endsWithQuote) {
      end--;
    }
    args.push({
      key: text.slice(start, equals),
      value: text.slice(valueStart, Math.max(valueStart, end)),
    });
  }
  return args;
}
