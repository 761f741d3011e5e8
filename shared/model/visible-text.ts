// Text that came from a plan file or a machine, made safe to show: every character that moves the
// cursor, erases, reorders or hides text is replaced by a visible escape (`\x1b`, `\u202e`), so a
// terminal or the UI shows exactly what the string holds. Used for everything Cohabit prints or
// renders that it did not write itself (DESIGN.md section 8: a plan file from elsewhere is the
// attacker, and an expert must be able to see that a title holds an escape, not just lose text).

/**
 * What is made visible:
 * - Cc: C0 (NUL..US, including ESC, CR, BS), DEL and C1 (U+0080..U+009F, CSI U+009B among them);
 * - Cf: format characters, the bidi embeddings, overrides and isolates (U+202A..U+202E,
 *   U+2066..U+2069), the marks LRM, RLM and ALM, zero-width spaces and joiners, the word joiner
 *   and invisible operators, the BOM, the soft hyphen, the language tags (U+E0000 block);
 * - Zl and Zp: U+2028 and U+2029, line breaks to some renderers;
 * - Cs: a lone UTF-16 surrogate, which a terminal would print as U+FFFD and hide;
 * - the characters that render as nothing but are letters or marks: the combining grapheme joiner
 *   U+034F, the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the Mongolian vowel separator
 *   (Cf only since Unicode 6.3) and the variation selectors (U+FE00..U+FE0F, U+E0100..U+E01EF);
 * - the whole of the tag block (U+E0000..U+E007F) and of U+2060..U+206F, unassigned code points
 *   included: a later Unicode may make them format characters, and they show nothing today.
 */
const HIDDEN =
  // eslint-disable-next-line no-misleading-character-class -- U+034F is matched alone, on purpose
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u034F\u115F\u1160\u180E\u3164\uFFA0\uFE00-\uFE0F\u2060-\u206F\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOf(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

export interface VisibleTextOptions {
  /**
   * Keep line feeds and tabs as they are (file content, a diff, a multi-line message). Without it
   * a line feed is shown as `\n`: a title or a path is one line, and a line feed in it could
   * print a line that looks like another step.
   */
  multiline?: boolean;
}

/** The text with every control, bidi and invisible character replaced by a visible escape. */
export function visibleText(text: string, options: VisibleTextOptions = {}): string {
  return text.replace(HIDDEN, (ch) =>
    options.multiline === true && (ch === '\n' || ch === '\t') ? ch : escapeOf(ch),
  );
}

/** Whether the text holds anything visibleText would replace (to say so beside it). */
export function hasHiddenText(text: string, options: VisibleTextOptions = {}): boolean {
  return visibleText(text, options) !== text;
}

/**
 * A copy of a parsed value (an inventory, a diagnostic list) with every string in it made visible
 * as one line: for a formatter that prints many machine-provided fields, so that none is missed.
 */
export function visibleStrings<T>(value: T, options: VisibleTextOptions = {}): T {
  if (typeof value === 'string') return visibleText(value, options) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => visibleStrings(item, options)) as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value as Record<string, unknown>))
      copy[key] = visibleStrings(member, options);
    return copy as T;
  }
  return value;
}
