// The size lint finds a long function unless a comment says why, wherever the function sits.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { longFunctions, sizeProblems } from './source-size';

const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');

describe('longFunctions', () => {
  it('reports a function over 80 lines, with its name, line and length', () => {
    const text = `// header\nexport function planEverything(): void {\n${body(85)}\n}\n`;
    expect(longFunctions('a.ts', text)).toEqual([
      { file: 'a.ts', line: 2, name: 'planEverything', lines: 87 },
    ]);
  });

  it('passes a function of 80 lines', () => {
    expect(longFunctions('a.ts', `function f(): void {\n${body(78)}\n}\n`)).toEqual([]);
  });

  it('takes "long because" or "over 80 lines because" before it, wrapped or not', () => {
    const doc = `/**\n * Plans. Over 80\n * lines because each step has its reason.\n */\nexport function f(): void {\n${body(85)}\n}\n`;
    const line = `// Long because it is a table.\nconst g = (): void => {\n${body(85)}\n};\n`;
    expect(longFunctions('a.ts', doc)).toEqual([]);
    expect(longFunctions('a.ts', line)).toEqual([]);
    // A comment that does not say why is no reason.
    expect(
      longFunctions('a.ts', `// Plans it.\nfunction f(): void {\n${body(85)}\n}\n`),
    ).toHaveLength(1);
  });

  it('finds methods, arrow functions and callbacks, and names them', () => {
    const text = [
      `class Run {\n  from(): void {\n${body(85)}\n  }\n}`,
      `const handlers = {\n  'plan:make': async () => {\n${body(85)}\n  },\n};`,
      `items.forEach((item) => {\n${body(85)}\n});`,
    ].join('\n');
    expect(longFunctions('a.ts', text).map((f) => f.name)).toEqual([
      'from',
      "'plan:make'",
      'callback of items.forEach',
    ]);
  });

  it("does not let an outer function's reason cover a long callback inside it", () => {
    const text = `// Long because it is a list.\nfunction outer(): void {\n  items.forEach(() => {\n${body(85)}\n  });\n}\n`;
    expect(longFunctions('a.ts', text).map((f) => f.name)).toEqual(['callback of items.forEach']);
  });
});

describe('sizeProblems', () => {
  it('names files over 600 lines and long functions, not specs', () => {
    const root = mkdtempSync(join(tmpdir(), 'cohabit-size-'));
    for (const d of ['shared', 'electron', 'renderer/src'])
      mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'shared/big.ts'), '// line\n'.repeat(601));
    writeFileSync(join(root, 'electron/long.ts'), `function f(): void {\n${body(85)}\n}\n`);
    writeFileSync(join(root, 'electron/long.spec.ts'), `function f(): void {\n${body(85)}\n}\n`);
    writeFileSync(join(root, 'renderer/src/View.svelte'), '<p>x</p>\n'.repeat(601));
    expect(sizeProblems(root)).toEqual([
      'shared/big.ts: 601 lines, more than 600: split it along a seam',
      'electron/long.ts:1: f is 87 lines, more than 80, with no "long because" comment',
      'renderer/src/View.svelte: 601 lines, more than 600: split it along a seam',
    ]);
  });
});
