// The one way an argv becomes a copyable POSIX shell line, for display only (plan preview, logs):
// Cohabit never runs a shell, it runs argv arrays.

/** An argv that no command line can carry (a NUL ends a C string, and an argv cannot be empty). */
export class ShellQuoteError extends Error {
  override readonly name = 'ShellQuoteError';
}

// Words made only of these mean the same quoted or not, in any position but the first.
const SAFE_WORD_RE = /^[A-Za-z0-9_./:=@%+,-]+$/;
// In command position a bare `a=b` is an assignment and these are syntax, so they get quotes there.
const RESERVED_WORDS = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'case',
  'esac',
  'while',
  'until',
  'for',
  'in',
  'function',
  'select',
  'time',
  'coproc',
]);

function quoteWord(word: string, commandPosition: boolean): string {
  if (word.includes('\0')) throw new ShellQuoteError('an argument cannot hold a NUL character');
  const bare =
    SAFE_WORD_RE.test(word) &&
    !(commandPosition && (word.includes('=') || RESERVED_WORDS.has(word)));
  return bare ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** `['zfs', 'create', 'zroot/new system']` -> `zfs create 'zroot/new system'`. */
export function shellQuote(argv: readonly string[]): string {
  if (argv.length === 0) throw new ShellQuoteError('an empty argv has no command to show');
  return argv.map((word, i) => quoteWord(word, i === 0)).join(' ');
}
