// Checks shellQuote by handing its output to a real POSIX shell (dash as /bin/sh on Debian) and
// comparing the argv the shell builds with the original one.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { shellQuote, ShellQuoteError } from './shell-quote';

const dir = mkdtempSync(join(tmpdir(), 'cohabit-shell-quote-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(script: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', script],
      { env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`sh failed: ${stderr}\n--- script ---\n${script}`));
        else resolve(stdout);
      },
    );
  });
}

/** The words the shell makes of a quoted line, in argument position. */
async function shellWords(quoted: string): Promise<string[]> {
  return runWords(`printf '%s\\0' ${quoted}`);
}

/** Runs a script whose output is NUL-terminated words. */
async function runWords(script: string): Promise<string[]> {
  const out = await sh(script);
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it('leaves plain words bare and single-quotes the rest', () => {
    expect(shellQuote(['zfs', 'create', '-o', 'mountpoint=legacy', 'zroot/new-system'])).toBe(
      'zfs create -o mountpoint=legacy zroot/new-system',
    );
    expect(shellQuote(['zfs', 'set', 'cohabit:role=nixos', 'zroot/a b'])).toBe(
      "zfs set cohabit:role=nixos 'zroot/a b'",
    );
    expect(shellQuote(['echo', "it's", '', '$HOME', '*', '~', '#x'])).toBe(
      "echo 'it'\\''s' '' '$HOME' '*' '~' '#x'",
    );
  });

  it('quotes a first word that the shell would read as an assignment or a keyword', async () => {
    expect(shellQuote(['if', 'x'])).toBe("'if' x");
    expect(shellQuote(['a=b', 'c=d'])).toBe("'a=b' c=d");
    // Run them as commands: an executable named like the word must receive the argv.
    const bin = join(dir, 'bin');
    await sh(`mkdir -p '${bin}'`);
    for (const name of ['if', 'a=b', 'done']) {
      const file = join(bin, name);
      writeFileSync(file, '#!/bin/sh\nprintf \'%s\\0\' "${0##*/}" "$@"\n');
      chmodSync(file, 0o755);
    }
    for (const argv of [
      ['if', 'then'],
      ['a=b', 'x y'],
      ['done', "'"],
    ]) {
      const out = await sh(shellQuote(argv), { ...process.env, PATH: `${bin}:/usr/bin:/bin` });
      expect(out.split('\0').slice(0, -1)).toEqual(argv);
    }
  });

  it('refuses NUL and an empty argv', () => {
    expect(() => shellQuote(['a\0b'])).toThrow(ShellQuoteError);
    expect(() => shellQuote([])).toThrow(ShellQuoteError);
  });

  it('gives back the same argv through /bin/sh for random words', async () => {
    const tricky = fc.string({
      unit: fc.constantFrom(
        "'",
        '"',
        '\\',
        '$',
        '`',
        '!',
        '*',
        '?',
        '[',
        ']',
        '{',
        '}',
        '~',
        '#',
        ';',
        '&',
        '|',
        '<',
        '>',
        '(',
        ')',
        ' ',
        '\t',
        '\n',
        '=',
        '%',
        'a',
        'é',
        '🙂',
      ),
      maxLength: 10,
    });
    const word = fc.oneof(
      tricky,
      fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\0')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(word, { minLength: 1, maxLength: 8 }), { minLength: 50, maxLength: 50 }),
        async (argvs) => {
          // One shell per batch; any merged, split or altered word changes the flat list.
          const script = argvs.map((argv) => `printf '%s\\0' ${shellQuote(argv)}`).join('\n');
          expect(await runWords(script)).toEqual(argvs.flat());
        },
      ),
      { numRuns: 8 },
    );
  });

  it('means what the examples above say, to the shell', async () => {
    const examples = [
      ['zfs', 'create', '-o', 'mountpoint=legacy', 'zroot/new-system'],
      ['zfs', 'set', 'cohabit:role=nixos', 'zroot/a b'],
      ['echo', "it's", '', '$HOME', '*', '~', '#x'],
    ];
    for (const argv of examples) expect(await shellWords(shellQuote(argv))).toEqual(argv);
  });
});
