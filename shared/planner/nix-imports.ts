// Adds one path to the `imports = [ ... ];` list of a user's configuration.nix, by one exact
// insertion, or says why it will not: Cohabit never rewrites the user's file by pattern.

export type ImportEdit =
  { kind: 'present' } | { kind: 'added'; text: string } | { kind: 'refused'; reason: string };

const IMPORTS_RE = /(^|[\s;{])imports\s*=\s*\[/g;

/** Lines that are comments cannot hold the list Nix reads; ignore matches inside them. */
function inComment(text: string, index: number): boolean {
  const lineStart = text.lastIndexOf('\n', index) + 1;
  return text.slice(lineStart, index + 1).includes('#');
}

export function addImport(text: string, item: string): ImportEdit {
  const matches = [...text.matchAll(IMPORTS_RE)].filter((m) => !inComment(text, m.index));
  if (matches.length !== 1)
    return {
      kind: 'refused',
      reason:
        matches.length === 0
          ? 'it has no `imports = [ ... ];` list'
          : `it has ${matches.length} \`imports = [\` lists`,
    };
  const match = matches[0];
  if (match === undefined) return { kind: 'refused', reason: 'it has no imports list' };
  const open = match.index + match[0].length;
  const close = text.indexOf(']', open);
  const body = close < 0 ? '' : text.slice(open, close);
  // Anything but plain path items (a nested list, an interpolation, a let) is not ours to edit.
  if (close < 0 || /[[(${]/.test(body.replace(/#[^\n]*/g, '')))
    return { kind: 'refused', reason: 'its imports list holds more than plain paths' };
  const items = body
    .replace(/#[^\n]*/g, '')
    .split(/\s+/)
    .filter((s) => s !== '');
  if (items.includes(item)) return { kind: 'present' };

  if (!body.includes('\n')) {
    const trimmed = body.replace(/\s+$/, '');
    const spaced = trimmed === '' ? ` ${item} ` : `${trimmed} ${item} `;
    return { kind: 'added', text: text.slice(0, open) + spaced + text.slice(close) };
  }
  // Multi-line list: a new line before the closing bracket, indented like the last item.
  const lineStart = text.lastIndexOf('\n', close - 1) + 1;
  const beforeClose = text.slice(lineStart, close);
  const itemLines = body.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const indent = /^\s*/.exec(itemLines[itemLines.length - 1] ?? '')?.[0] ?? '  ';
  if (beforeClose.trim() === '') {
    return {
      kind: 'added',
      text: `${text.slice(0, lineStart)}${indent}${item}\n${text.slice(lineStart)}`,
    };
  }
  return { kind: 'added', text: `${text.slice(0, close)} ${item} ${text.slice(close)}` };
}
