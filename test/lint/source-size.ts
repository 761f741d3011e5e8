// `npm run lint` part: the size rules of HELPERS/STYLE, checked rather than remembered. No source
// file in shared/, electron/ or renderer/src over 600 lines; no function in shared/ or electron/
// over 80 lines unless a comment before it says why (`long because ...` or `over 80 lines
// because ...`, in its doc comment or the comment above the statement that holds it). Specs are left out: a `describe` is a list.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

export const MAX_FUNCTION_LINES = 80;
export const MAX_FILE_LINES = 600;
/** The repository's two ways of saying it: `Long because ...`, `Over 80 lines because ...`. */
// A comment may wrap between the words: ` * ` or `// ` then stand between them.
const JUSTIFIED = /\b(?:long|over[\s*/]+\d+[\s*/]+lines)[\s*/]+because\b/i;

export interface LongFunction {
  file: string;
  line: number;
  name: string;
  lines: number;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name !== undefined) return named.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent))
    return parent.name.getText(source);
  if (ts.isCallExpression(parent)) {
    const callee = parent.expression.getText(source);
    return `callback of ${callee.length > 40 ? `…${callee.slice(-40)}` : callee}`;
  }
  return '(anonymous)';
}

/**
 * The comments before `node` and before each node up to the statement or member holding it; an
 * enclosing function's reason does not cover a long callback inside it.
 */
function isJustified(node: ts.Node, source: ts.SourceFile): boolean {
  const text = source.getFullText();
  for (let at: ts.Node = node; ; at = at.parent) {
    if (JUSTIFIED.test(text.slice(at.getFullStart(), at.getStart(source)))) return true;
    if (ts.isStatement(at) || ts.isClassElement(at) || ts.isSourceFile(at)) return false;
  }
}

/** Every function-like node in `text` longer than `limit` lines without a reason given. */
export function longFunctions(
  file: string,
  text: string,
  limit = MAX_FUNCTION_LINES,
): LongFunction[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > limit && !isJustified(node, source))
        found.push({ file, line: start + 1, name: nameOf(node, source), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string, extensions: readonly string[]): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && extensions.some((x) => e.name.endsWith(x)))
    .filter((e) => !e.name.endsWith('.spec.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** What breaks the rules under `root`, one line each; empty when all is well. */
export function sizeProblems(root: string): string[] {
  const problems: string[] = [];
  for (const dir of ['shared', 'electron', 'renderer/src']) {
    for (const path of sourceFiles(join(root, dir), ['.ts', '.svelte'])) {
      const file = relative(root, path);
      const text = readFileSync(path, 'utf8');
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (lines > MAX_FILE_LINES)
        problems.push(
          `${file}: ${lines} lines, more than ${MAX_FILE_LINES}: split it along a seam`,
        );
      if (dir !== 'renderer/src' && path.endsWith('.ts'))
        for (const f of longFunctions(file, text))
          problems.push(
            `${f.file}:${f.line}: ${f.name} is ${f.lines} lines, more than ${MAX_FUNCTION_LINES}, with no "long because" comment`,
          );
    }
  }
  return problems;
}

// Run by `npm run lint`; imported by its spec, where it does nothing.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problems = sizeProblems(process.cwd());
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`lint: ${problems.length} size problems.`);
    process.exit(1);
  }
}
