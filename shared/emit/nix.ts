// Nix values as data, printed as Nix source: the only place where Cohabit turns names, labels and
// file contents into Nix text, so that escaping is done once and checked by the real Nix parser.
//
// Lexer facts relied on below are from Nix's src/libexpr/lexer.l and parser.y (stripIndentation),
// and were checked against Debian's nix-instantiate 2.8 by nix.spec.ts.

/** A value could not be written as Nix (NUL, NaN, a lone surrogate, a bad path, a cycle...). */
export class NixEmitError extends Error {
  override readonly name = 'NixEmitError';
  constructor(
    message: string,
    /** Where in the value, e.g. `boot.loader.grub.device` or `imports[2]`; '' for the root. */
    readonly at: string,
  ) {
    super(at === '' ? message : `${at}: ${message}`);
  }
}

/**
 * A Nix expression written by Cohabit's own code, inserted verbatim (e.g. `pkgs.virt-manager`,
 * `config.boot.kernelPackages.kernel`). NEVER build one from user or machine data: nothing in it
 * is escaped. Use strings, paths and attribute sets for data.
 */
export class NixRaw {
  constructor(readonly expr: string) {}
}

/**
 * `lib.mkForce`, `lib.mkDefault`, `lib.mkOverride <priority>` or `lib.mkIf (<condition>)` around a
 * value (the module needs `lib`). A condition is trusted code of ours, like NixRaw.
 */
export class NixWrapped {
  constructor(
    readonly fn: 'mkForce' | 'mkDefault' | 'mkOverride' | 'mkIf',
    readonly value: NixValue,
    readonly priority?: number,
    readonly condition?: NixRaw,
  ) {}
}

/** A string printed as an indented `''` string (config files, scripts) when it can be, exactly. */
export class NixMultiline {
  constructor(readonly text: string) {}
}

/** A path literal (`./hardware-configuration.nix`, `/etc/nixos/cohabit.nix`). */
export class NixPath {
  constructor(readonly path: string) {}
}

/** A value with `#` comment lines printed above its attribute or list item. */
export class NixCommented {
  constructor(
    readonly comment: string,
    readonly value: NixValue,
  ) {}
}

/**
 * An attribute set. Keys are printed in insertion order (JavaScript's order for string keys,
 * except that integer-like keys such as "10" come first, ascending): the output is deterministic
 * and follows the order in which the planner builds the set. Nix itself ignores the order.
 */
export interface NixAttrs {
  [key: string]: NixValue;
}

export type NixValue =
  | null
  | boolean
  | number
  | string
  | NixValue[]
  | NixAttrs
  | NixRaw
  | NixWrapped
  | NixMultiline
  | NixPath
  | NixCommented;

/** See NixRaw: trusted code only, never data. */
export function nixRaw(expr: string): NixRaw {
  if (expr.trim() === '') throw new NixEmitError('an empty raw Nix expression', '');
  return new NixRaw(expr);
}

export function mkForce(value: NixValue): NixWrapped {
  return new NixWrapped('mkForce', value);
}

export function mkDefault(value: NixValue): NixWrapped {
  return new NixWrapped('mkDefault', value);
}

export function mkOverride(priority: number, value: NixValue): NixWrapped {
  if (!Number.isSafeInteger(priority)) {
    throw new NixEmitError(`mkOverride needs an integer priority, got ${priority}`, '');
  }
  return new NixWrapped('mkOverride', value, priority);
}

/** `lib.mkIf (condition) value`: the definition exists only where the condition holds. */
export function mkIf(condition: NixRaw, value: NixValue): NixWrapped {
  return new NixWrapped('mkIf', value, undefined, condition);
}

export function multiline(text: string): NixMultiline {
  return new NixMultiline(text);
}

/** A path literal; relative paths must start with `./` or `../` and are relative to the file. */
export function nixPath(path: string): NixPath {
  checkPath(path, '');
  return new NixPath(path);
}

export function withComment(comment: string, value: NixValue): NixCommented {
  checkText(comment, '', 'a comment');
  return new NixCommented(comment, value);
}

export interface EmitNixOptions {
  /** Spaces per nesting level (default 2). */
  indent?: number;
}

/** One Nix expression, without a trailing newline. */
export function emitNix(value: NixValue, options: EmitNixOptions = {}): string {
  const printer = new Printer(options.indent ?? 2);
  if (value instanceof NixCommented) {
    const { comments, inner } = unwrapComments(value);
    return printer.commentLines(comments, 0, '') + printer.value(inner, 0, '');
  }
  return printer.value(value, 0, '');
}

export interface EmitNixModuleOptions {
  /** The module's function arguments; default `config, lib, pkgs, ...`. */
  args?: readonly string[];
  /** Comment text printed as `#` lines at the top of the file. */
  header?: string;
  indent?: number;
}

/** A NixOS module file: `{ config, lib, pkgs, ... }:` and an attribute set, ending in a newline. */
export function emitNixModule(body: NixAttrs, options: EmitNixModuleOptions = {}): string {
  const args = options.args ?? ['config', 'lib', 'pkgs', '...'];
  args.forEach((arg, i) => {
    const ok = arg === '...' ? i === args.length - 1 : isPlainIdentifier(arg);
    if (!ok) throw new NixEmitError(`"${arg}" is not a valid module argument`, '');
  });
  if (new Set(args).size !== args.length) throw new NixEmitError('duplicate module argument', '');
  if (!isPlainAttrs(body)) throw new NixEmitError('a module body must be an attribute set', '');
  if (!args.includes('lib') && usesLib(body, new Set())) {
    throw new NixEmitError(
      'the module uses lib.mkForce/mkDefault/mkOverride but does not take `lib`',
      '',
    );
  }
  const printer = new Printer(options.indent ?? 2);
  const header = options.header === undefined ? '' : printer.commentLines([options.header], 0, '');
  const params = args.length === 0 ? '{ }' : `{ ${args.join(', ')} }`;
  return `${header}${params}:\n${printer.value(body, 0, '')}\n`;
}

// ---------------------------------------------------------------------------------------------

// Nix's ID rule is [a-zA-Z_][a-zA-Z0-9_'-]*; these words are tokens of their own. `or` is
// accepted as an attribute name by newer parsers only through a special case, so it is quoted.
const KEYWORDS = new Set([
  'if',
  'then',
  'else',
  'assert',
  'with',
  'let',
  'in',
  'rec',
  'inherit',
  'or',
]);
const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
// An attribute path made of identifiers needs no parentheses as a list item or argument.
const SELECT_CHAIN_RE = /^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/;
// Nix's PATH rule: {PATH_CHAR}*(\/{PATH_CHAR}+)+\/? with PATH_CHAR [a-zA-Z0-9._+-]; we accept the
// unambiguous subset (absolute, or starting with ./ or ../) and no trailing slash (an error in Nix).
const PATH_RE = /^(\.{1,2})?(\/[A-Za-z0-9._+-]+)+$/;
const LONE_SURROGATE_RE = /\p{Cs}/u;
const MIN_NORMAL_DOUBLE = 2.2250738585072014e-308;
// Lists whose items are all short scalars are printed on one line up to this many characters.
const INLINE_LIST_MAX = 72;

export function isPlainIdentifier(name: string): boolean {
  return IDENTIFIER_RE.test(name) && !KEYWORDS.has(name);
}

/** An attribute name as written in a set: bare when it can be, else a quoted string. */
export function nixAttrName(name: string, at = ''): string {
  return isPlainIdentifier(name) ? name : quoteNixString(name, at);
}

/** A double-quoted Nix string holding exactly `text`. */
export function quoteNixString(text: string, at = ''): string {
  checkText(text, at, 'a string');
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    switch (c) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '$':
        // Only `${` starts an interpolation; `$` elsewhere (also `$$`) is literal in Nix strings.
        out += text.charAt(i + 1) === '{' ? '\\$' : '$';
        break;
      default:
        out += c;
    }
  }
  return `${out}"`;
}

function checkText(text: string, at: string, what: string): void {
  if (text.includes('\0')) throw new NixEmitError(`${what} cannot hold a NUL character in Nix`, at);
  if (LONE_SURROGATE_RE.test(text)) {
    throw new NixEmitError(`${what} holds a lone UTF-16 surrogate (not valid Unicode text)`, at);
  }
}

function checkPath(path: string, at: string): void {
  if (!PATH_RE.test(path)) {
    throw new NixEmitError(
      `"${path}" is not a plain path literal (absolute or ./relative, characters A-Z a-z 0-9 . _ + -, no trailing slash); use a string`,
      at,
    );
  }
}

function isPlainAttrs(value: unknown): value is NixAttrs {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function unwrapComments(value: NixValue): { comments: string[]; inner: NixValue } {
  const comments: string[] = [];
  let inner = value;
  while (inner instanceof NixCommented) {
    comments.push(inner.comment);
    inner = inner.value;
  }
  return { comments, inner };
}

function usesLib(value: NixValue, seen: Set<object>): boolean {
  if (value instanceof NixWrapped) return true;
  if (value instanceof NixCommented) return usesLib(value.value, seen);
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) return value.some((v) => usesLib(v, seen));
  if (isPlainAttrs(value)) return Object.values(value).some((v) => usesLib(v, seen));
  return false;
}

function childPath(at: string, key: string): string {
  const segment = isPlainIdentifier(key) ? key : JSON.stringify(key);
  return at === '' ? segment : `${at}.${segment}`;
}

/** Nix number literal; `negative` tells callers that it needs parentheses in a list or argument. */
function numberLiteral(n: number, at: string): { text: string; negative: boolean } {
  if (!Number.isFinite(n)) throw new NixEmitError(`Nix has no ${n}`, at);
  if (Number.isInteger(n)) {
    if (!Number.isSafeInteger(n)) {
      throw new NixEmitError(`${n} is beyond the integers JavaScript holds exactly`, at);
    }
    const text = Object.is(n, -0) ? '0' : String(n);
    return { text, negative: n < 0 };
  }
  // Nix reads float literals with strtod and rejects the ERANGE ones: subnormals give
  // "invalid float '2.0e-323'" (checked with nix-instantiate 2.8).
  if (Math.abs(n) < MIN_NORMAL_DOUBLE) {
    throw new NixEmitError(`${n} is too close to zero for a Nix float literal`, at);
  }
  // Shortest round-trip form; Nix's float rule needs a '.' in the mantissa (`1e-7` is not a float).
  const s = String(n);
  const [mantissa = s, exponent] = s.split('e');
  const withDot = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return { text: exponent === undefined ? withDot : `${withDot}e${exponent}`, negative: n < 0 };
}

class Printer {
  private readonly stack = new Set<object>();

  constructor(private readonly unit: number) {
    if (!Number.isInteger(unit) || unit < 0 || unit > 8) {
      throw new NixEmitError(`indent must be an integer from 0 to 8, got ${unit}`, '');
    }
  }

  private pad(level: number): string {
    return ' '.repeat(level * this.unit);
  }

  commentLines(comments: readonly string[], level: number, at: string): string {
    let out = '';
    for (const comment of comments) {
      checkText(comment, at, 'a comment');
      // Nix ends a comment at CR as well as LF, so every line break starts a new `#` line.
      for (const line of comment.split(/\r\n|\r|\n/)) {
        out += line === '' ? `${this.pad(level)}#\n` : `${this.pad(level)}# ${line}\n`;
      }
    }
    return out;
  }

  /** An expression at nesting `level`: its first line is not indented, the following lines are. */
  value(value: NixValue, level: number, at: string): string {
    if (value === null) return 'null';
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (typeof value === 'number') return numberLiteral(value, at).text;
    if (typeof value === 'string') return quoteNixString(value, at);
    if (value instanceof NixMultiline) return this.indentedString(value.text, level, at);
    if (value instanceof NixPath) {
      checkPath(value.path, at);
      return value.path;
    }
    if (value instanceof NixRaw) {
      if (value.expr.trim() === '') throw new NixEmitError('an empty raw Nix expression', at);
      return value.expr;
    }
    if (value instanceof NixWrapped) return this.wrapped(value, level, at);
    if (value instanceof NixCommented) {
      // Not in an attribute or list item: keep the comment inside parentheses around the value.
      const { comments, inner } = unwrapComments(value);
      const body =
        this.commentLines(comments, level + 1, at) +
        this.pad(level + 1) +
        this.value(inner, level + 1, at);
      return `(\n${body}\n${this.pad(level)})`;
    }
    if (Array.isArray(value)) return this.guard(value, at, () => this.list(value, level, at));
    if (isPlainAttrs(value)) return this.guard(value, at, () => this.attrs(value, level, at));
    throw new NixEmitError(`cannot write ${describe(value)} as Nix`, at);
  }

  /** An expression usable as a list item or function argument (parenthesised when needed). */
  private atom(value: NixValue, level: number, at: string): string {
    if (typeof value === 'number') {
      const { text, negative } = numberLiteral(value, at);
      return negative ? `(${text})` : text;
    }
    if (value instanceof NixRaw) {
      const text = this.value(value, level, at);
      return SELECT_CHAIN_RE.test(text.trim()) && !KEYWORDS.has(text.trim()) ? text : `(${text})`;
    }
    if (value instanceof NixWrapped) return `(${this.value(value, level, at)})`;
    return this.value(value, level, at);
  }

  private wrapped(value: NixWrapped, level: number, at: string): string {
    const arg = this.atom(value.value, level, at);
    if (value.fn === 'mkIf') {
      if (value.condition === undefined || value.condition.expr.trim() === '')
        throw new NixEmitError('mkIf needs a condition', at);
      return `lib.mkIf (${value.condition.expr}) ${arg}`;
    }
    if (value.fn !== 'mkOverride') return `lib.${value.fn} ${arg}`;
    if (value.priority === undefined || !Number.isSafeInteger(value.priority)) {
      throw new NixEmitError('mkOverride needs an integer priority', at);
    }
    const prio = value.priority < 0 ? `(${value.priority})` : String(value.priority);
    return `lib.mkOverride ${prio} ${arg}`;
  }

  private guard(value: object, at: string, print: () => string): string {
    if (this.stack.has(value)) throw new NixEmitError('the value contains itself (a cycle)', at);
    this.stack.add(value);
    try {
      return print();
    } finally {
      this.stack.delete(value);
    }
  }

  private list(items: readonly NixValue[], level: number, at: string): string {
    if (items.length === 0) return '[ ]';
    if (items.every(isInlineScalar)) {
      const inline = `[ ${items.map((item, i) => this.atom(item, level, `${at}[${i}]`)).join(' ')} ]`;
      if (inline.length <= INLINE_LIST_MAX) return inline;
    }
    let out = '[\n';
    items.forEach((item, i) => {
      const itemAt = `${at}[${i}]`;
      const { comments, inner } = unwrapComments(item);
      out += this.commentLines(comments, level + 1, itemAt);
      out += `${this.pad(level + 1)}${this.atom(inner, level + 1, itemAt)}\n`;
    });
    return `${out}${this.pad(level)}]`;
  }

  private attrs(set: NixAttrs, level: number, at: string): string {
    const keys = Object.keys(set);
    if (keys.length === 0) return '{ }';
    let out = '{\n';
    for (const key of keys) {
      // Collapse single-key chains of plain sets into `a.b.c = ...;`, only through plain identifiers.
      const segments = [key];
      const comments: string[] = [];
      const chain: object[] = [];
      let keyAt = childPath(at, key);
      let current = set[key] as NixValue;
      for (;;) {
        const unwrapped = unwrapComments(current);
        comments.push(...unwrapped.comments);
        current = unwrapped.inner;
        if (!isPlainAttrs(current)) break;
        const inner = Object.keys(current);
        const only = inner[0];
        const last = segments[segments.length - 1] ?? '';
        if (
          inner.length !== 1 ||
          only === undefined ||
          !isPlainIdentifier(last) ||
          !isPlainIdentifier(only)
        )
          break;
        if (this.stack.has(current) || chain.includes(current)) {
          throw new NixEmitError('the value contains itself (a cycle)', keyAt);
        }
        chain.push(current);
        segments.push(only);
        keyAt = childPath(keyAt, only);
        current = current[only] as NixValue;
      }
      const name = segments.map((s) => nixAttrName(s, keyAt)).join('.');
      out += this.commentLines(comments, level + 1, keyAt);
      // The collapsed sets are still open while their value prints: a reference back to one is a cycle.
      for (const link of chain) this.stack.add(link);
      try {
        out += `${this.pad(level + 1)}${name} = ${this.value(current, level + 1, keyAt)};\n`;
      } finally {
        for (const link of chain) this.stack.delete(link);
      }
    }
    return `${out}${this.pad(level)}}`;
  }

  /**
   * An indented string holding exactly `text`, or a double-quoted one when the indented form cannot
   * (Nix strips the smallest indentation of the non-blank lines and drops a last line made only of
   * spaces, so text whose every line starts with a space, or that ends in spaces, is not exact).
   */
  private indentedString(text: string, level: number, at: string): string {
    checkText(text, at, 'a string');
    const lines = text.split('\n');
    const last = lines[lines.length - 1] ?? '';
    const someLineStartsFlush = lines.some((line) => line !== '' && !line.startsWith(' '));
    const lastIsOnlySpaces = last !== '' && /^ +$/.test(last);
    if (!someLineStartsFlush || lastIsOnlySpaces) return quoteNixString(text, at);

    const escaped = escapeIndented(text).split('\n');
    const pad = this.pad(level + 1);
    const body = escaped.map((line) => (line === '' ? '' : pad + line));
    if (last === '') {
      body[body.length - 1] = `${this.pad(level)}''`;
      return `''\n${body.join('\n')}`;
    }
    return `''\n${body.join('\n')}''`;
  }
}

/**
 * Escapes for the inside of an indented string: `''` -> `'''`, `${` -> `''${`, CR -> `''\r` (kept
 * off the raw text so that no tool rewrites line ends). A single `'` right before `''` (an escape
 * or the closing quotes) would merge into `'''`, so it becomes `''\'`.
 */
function escapeIndented(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === "'") {
      let run = 0;
      while (text.charAt(i + run) === "'") run++;
      out += "'''".repeat(Math.floor(run / 2));
      i += run;
      if (run % 2 === 1) {
        const next = text.charAt(i);
        const beforeQuotes =
          next === '' || next === '\r' || (next === '$' && text.charAt(i + 1) === '{');
        out += beforeQuotes ? "''\\'" : "'";
      }
    } else if (c === '$' && text.charAt(i + 1) === '{') {
      out += "''${";
      i += 2;
    } else if (c === '\r') {
      out += "''\\r";
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function isInlineScalar(value: NixValue): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (value instanceof NixPath) return true;
  if (value instanceof NixRaw) return !value.expr.includes('\n');
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainAttrs(value)) return Object.keys(value).length === 0;
  return false;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null) {
    const ctor: unknown = (value as { constructor?: unknown }).constructor;
    return typeof ctor === 'function' && ctor.name !== '' ? `a ${ctor.name}` : 'an object';
  }
  return `a ${typeof value}`;
}
