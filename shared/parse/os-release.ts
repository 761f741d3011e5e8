// Parser for os-release(5): the distribution's identity (ID, VERSION_ID, PRETTY_NAME, ...).
import { ParseError } from '../model/errors';

const FORMAT = 'os-release';
const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Inside double quotes a backslash escapes only these, as in the shell that os-release mimics.
const ESCAPABLE = new Set(['$', '"', '\\', '`']);

function parseValue(raw: string, lineNo: number): string {
  if (raw.startsWith('"')) {
    let out = '';
    let i = 1;
    for (; i < raw.length; i++) {
      const c = raw[i] ?? '';
      if (c === '\\' && i + 1 < raw.length) {
        const next = raw[i + 1] ?? '';
        if (ESCAPABLE.has(next)) {
          out += next;
          i++;
          continue;
        }
        out += c;
        continue;
      }
      if (c === '"') break;
      out += c;
    }
    if (i >= raw.length) throw new ParseError(FORMAT, 'unterminated double quote', lineNo);
    if (raw.slice(i + 1).trim() !== '')
      throw new ParseError(FORMAT, 'text after the closing quote', lineNo);
    return out;
  }
  if (raw.startsWith("'")) {
    const close = raw.indexOf("'", 1);
    if (close === -1) throw new ParseError(FORMAT, 'unterminated single quote', lineNo);
    if (raw.slice(close + 1).trim() !== '')
      throw new ParseError(FORMAT, 'text after the closing quote', lineNo);
    return raw.slice(1, close);
  }
  return raw.trim();
}

/**
 * os-release(5): KEY=value lines, values optionally in single or double quotes with backslash escapes
 * in double quotes ($, ", \, `), comments and blank lines ignored. A later assignment wins.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq === -1)
      throw new ParseError(FORMAT, `expected KEY=value, got "${line.slice(0, 40)}"`, n + 1);
    const key = line.slice(0, eq);
    if (!KEY_RE.test(key)) throw new ParseError(FORMAT, `invalid key "${key.slice(0, 40)}"`, n + 1);
    result[key] = parseValue(line.slice(eq + 1), n + 1);
  }
  return result;
}
