// Checks the GRUB emitter with Debian's grub-script-check and with a reading of the emitted words
// that follows GRUB's lexer (grub-core/script/yylex.l) and its ZFS path split (fs/zfs/zfs.c).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { emitGrubChainEntry, GrubEmitError, grubQuote, grubZfsUuid, zfsGrubPath } from './grub';

// The guid of a real NixOS pool: `zpool get all rpool` in test/fixtures/storage (see SOURCES.md).
const RPOOL_GUID = '6988174159253467568';

const dir = mkdtempSync(join(tmpdir(), 'cohabit-grub-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;

/** grub-script-check on a file: null when GRUB's parser accepts it, else its complaint. */
function grubScriptCheck(text: string): Promise<string | null> {
  const file = join(dir, `case-${fileCounter++}.cfg`);
  writeFileSync(file, text);
  return new Promise((resolve, reject) => {
    execFile('grub-script-check', [file], (error, stdout, stderr) => {
      // A spawn failure (ENOENT: grub-common not installed) must fail the test, not pass it.
      if (error && typeof error.code !== 'number')
        reject(new Error(`grub-script-check did not run: ${error.message}`));
      else resolve(error ? `${stdout}${stderr}` : null);
    });
  });
}

const VAR = (name: string) => `«${name}»`;

/**
 * The words GRUB makes of one line, per yylex.l: blanks split words; `{` `}` `;` `|` `&` `<` `>`
 * stand alone; `#` starting a token comments out the rest; a word joins unquoted characters, `\x` (x), '...' (literal), "..." (where only
 * \$ \\ \" and \<newline> are escapes) and $name / ${name} (shown here as «name»).
 */
function grubWords(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const at = (k: number) => line.charAt(k);
  const variable = (): string => {
    const braced = at(i + 1) === '{';
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]+|^[?#*@]/.exec(line.slice(i + (braced ? 2 : 1)));
    if (!m) throw new Error(`bad variable at ${i} in ${line}`);
    i += (braced ? 3 : 1) + m[0].length;
    return VAR(m[0]);
  };
  while (i < line.length) {
    const c = at(i);
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break; // a comment, when # starts a token
    if ('{}|&;<>'.includes(c)) {
      words.push(c);
      i++;
      continue;
    }
    let word = '';
    while (i < line.length && !' \t{}|&;<>'.includes(at(i))) {
      const d = at(i);
      if (d === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) throw new Error(`unterminated ' in ${line}`);
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (d === '"') {
        i++;
        while (at(i) !== '"') {
          if (i >= line.length) throw new Error(`unterminated " in ${line}`);
          if (at(i) === '\\' && '$\\"'.includes(at(i + 1))) {
            word += at(i + 1);
            i += 2;
          } else if (at(i) === '$') word += variable();
          else word += at(i++);
        }
        i++;
      } else if (d === '\\') {
        word += at(i + 1);
        i += 2;
      } else if (d === '$') word += variable();
      else word += at(i++);
    }
    words.push(word);
  }
  return words;
}

/** GRUB's dnode_get_fullpath split (zfs.c): dataset before the first '@', snapshot up to '/', file. */
function grubZfsSplit(path: string): {
  datasetInPool: string;
  snapshot: string | null;
  file: string;
} {
  const at = path.indexOf('@');
  if (at < 0) throw new Error("GRUB: missing `@' symbol");
  const slash = path.indexOf('/', at);
  const snap = path.slice(at + 1, slash < 0 ? undefined : slash);
  return {
    datasetInPool: path.slice(0, at).split('/').filter(Boolean).join('/'),
    snapshot: snap === '' ? null : snap,
    file: slash < 0 ? '/' : path.slice(slash),
  };
}

describe('zfsGrubPath', () => {
  it('writes the dataset under the pool, @ or @snapshot, then the file', () => {
    expect(zfsGrubPath('zroot/new-system', '/boot/grub/grub.cfg')).toBe(
      '/new-system/@/boot/grub/grub.cfg',
    );
    expect(zfsGrubPath('zroot', '/boot/grub/grub.cfg')).toBe('/@/boot/grub/grub.cfg');
    expect(zfsGrubPath('zroot/new-system', 'boot/grub/grub.cfg', 'before-upgrade')).toBe(
      '/new-system/@before-upgrade/boot/grub/grub.cfg',
    );
    expect(zfsGrubPath('zroot/systems/new', '/boot/grub/grub.cfg')).toBe(
      '/systems/new/@/boot/grub/grub.cfg',
    );
    // /boot as its own dataset: the file is then relative to that dataset.
    expect(zfsGrubPath('zroot/new-system/boot', '/grub/grub.cfg')).toBe(
      '/new-system/boot/@/grub/grub.cfg',
    );
  });

  it('resolves to the same dataset and file as the form in the OpenZFS docs', () => {
    // openzfs/openzfs-docs, docs/Getting Started/zfs_root_maintenance.rst writes boot-environment
    // entries as `configfile ($drive1)/<dataset without bpool/>@/grub/grub.cfg` (no slash before @).
    expect(grubZfsSplit(zfsGrubPath('bpool/nixos/backup', '/grub/grub.cfg'))).toEqual(
      grubZfsSplit('/nixos/backup@/grub/grub.cfg'),
    );
  });

  it('refuses what GRUB would split or resolve differently', () => {
    for (const [dataset, path, snap] of [
      ['zroot/a@b', '/x', undefined],
      ['zroot//a', '/x', undefined],
      ['', '/x', undefined],
      ['zroot/..', '/x', undefined],
      ['zroot/a', '/boot/../etc/x', undefined],
      ['zroot/a', '/boot//x', undefined],
      ['zroot/a', '/x', 'snap/x'],
      ['zroot/a', '/x', 'a@b'],
      ['zroot/a', '/x', ''],
      ['zroot/a\nb', '/x', undefined],
      ['zroot/a', '/x\0', undefined],
    ] as const) {
      expect(() => zfsGrubPath(dataset, path, snap), `${dataset} ${path} ${snap}`).toThrow(
        GrubEmitError,
      );
    }
  });

  it("is read back by GRUB's split into the same dataset, snapshot and file", () => {
    const name = fc
      .string({
        unit: fc.constantFrom('a', 'Z', '0', '-', '_', '.', ':', ' ', "'", 'é'),
        minLength: 1,
        maxLength: 6,
      })
      .filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(
        fc.array(name, { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(name, fc.constant('a@b')), { maxLength: 4 }),
        fc.option(name, { nil: undefined }),
        (dataset, file, snapshot) => {
          const path = zfsGrubPath(dataset.join('/'), `/${file.join('/')}`, snapshot);
          expect(grubZfsSplit(path)).toEqual({
            datasetInPool: dataset.slice(1).join('/'),
            snapshot: snapshot ?? null,
            file: `/${file.join('/')}`,
          });
        },
      ),
    );
  });
});

describe('grubQuote', () => {
  it('single-quotes and closes around each quote', () => {
    expect(grubQuote('New System')).toBe("'New System'");
    expect(grubQuote("it's")).toBe("'it'\\''s'");
    expect(grubQuote('')).toBe("''");
    expect(grubQuote('$x ${y} "z" \\ ; { }')).toBe('\'$x ${y} "z" \\ ; { }\'');
  });

  it('refuses NUL, newline and carriage return', () => {
    for (const bad of ['a\0b', 'a\nb', 'a\rb']) expect(() => grubQuote(bad)).toThrow(GrubEmitError);
  });
});

describe('emitGrubChainEntry', () => {
  it('writes the entry of the seed recipe with every argument quoted, and GRUB accepts it', async () => {
    const entry = emitGrubChainEntry({
      title: 'New System',
      poolGuid: RPOOL_GUID,
      configPath: zfsGrubPath('zroot/new-system', '/boot/grub/grub.cfg'),
      id: 'cohabit-new-system',
    });
    expect(entry).toBe(
      [
        "menuentry 'New System' --id 'cohabit-new-system' {",
        "  search --no-floppy --set=drive1 --fs-uuid '60fafb5f76ddf1b0'",
        "  configfile ($drive1)'/new-system/@/boot/grub/grub.cfg'",
        '}',
        '',
      ].join('\n'),
    );
    expect(await grubScriptCheck(entry)).toBeNull();
  });

  it('keeps tricky titles inside the quotes', async () => {
    const title = `Bob's "new" {system} $root \${x} ; \\ ' '' 🙂`;
    const entry = emitGrubChainEntry({
      title,
      poolGuid: RPOOL_GUID,
      configPath: '/@/boot/grub/grub.cfg',
    });
    expect(entry.split('\n')[0]).toBe(
      `menuentry 'Bob'\\''s "new" {system} $root \${x} ; \\ '\\'' '\\'''\\'' 🙂' {`,
    );
    expect(grubWords(entry.split('\n')[0] ?? '')).toEqual(['menuentry', title, '{']);
    expect(await grubScriptCheck(entry)).toBeNull();
  });

  it('is caught by grub-script-check when quoting is naive (the check can fail)', async () => {
    expect(await grubScriptCheck("menuentry 'Bob's system' {\n  true\n}\n")).not.toBeNull();
  });

  it('refuses titles, ids and paths it cannot write', () => {
    const ok = { title: 'x', poolGuid: RPOOL_GUID, configPath: '/@/boot/grub/grub.cfg' };
    for (const title of [
      '',
      '  ',
      'a\nb',
      'a\rb',
      'a\0b',
      'bell\u0007',
      'esc\u001b[2J',
      'del\u007f',
      'csi\u009b2J',
    ]) {
      expect(() => emitGrubChainEntry({ ...ok, title }), JSON.stringify(title)).toThrow(
        GrubEmitError,
      );
    }
    expect(() => emitGrubChainEntry({ ...ok, id: 'Upper' })).toThrow(GrubEmitError);
    expect(() => emitGrubChainEntry({ ...ok, id: "x' --unrestricted '" })).toThrow(GrubEmitError);
    expect(() =>
      emitGrubChainEntry({ ...ok, configPath: '/new-system/boot/grub/grub.cfg' }),
    ).toThrow(/@/);
    for (const poolGuid of ['', '0', 'zroot', '1 --label zroot', "1' '", '-1', '0x10', '1e3'])
      expect(() => emitGrubChainEntry({ ...ok, poolGuid }), poolGuid).toThrow(GrubEmitError);
    expect(emitGrubChainEntry({ ...ok, title: 'tab\there' })).toContain("'tab\there'");
  });

  it('passes grub-script-check and reads back exactly, for random titles, pools and datasets', async () => {
    const tricky = fc.string({
      unit: fc.constantFrom(
        "'",
        '"',
        '\\',
        '$',
        '{',
        '}',
        ';',
        '&',
        '|',
        '<',
        '>',
        '#',
        '(',
        ')',
        ' ',
        '\t',
        '`',
        '*',
        'a',
        'é',
        '中',
        '🙂',
      ),
      minLength: 1,
      maxLength: 16,
    });
    const noControls = (s: string) => !/\p{Cc}/u.test(s.replaceAll('\t', ''));
    const title = fc
      .oneof(tricky, fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }))
      .filter((s) => noControls(s) && s.trim() !== '');
    // Hostile pool and dataset names are the planner's to refuse; the emitter must still quote them.
    const pool = fc.oneof(fc.constant('zroot'), tricky).filter(noControls);
    const component = tricky.filter(
      (s) => noControls(s) && !s.includes('@') && !s.includes('/') && s !== '.' && s !== '..',
    );
    const entryArb = fc.record({
      title,
      pool,
      guid: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
      dataset: fc.array(component, { maxLength: 3 }),
      id: fc.option(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(entryArb, { minLength: 80, maxLength: 80 }), async (cases) => {
        const entries = cases.map((c) => {
          const configPath = zfsGrubPath(
            [c.pool.replaceAll('/', '_'), ...c.dataset].join('/'),
            '/boot/grub/grub.cfg',
          );
          return {
            c,
            configPath,
            text: emitGrubChainEntry({
              title: c.title,
              poolGuid: c.guid.toString(),
              configPath,
              id: c.id,
            }),
          };
        });
        expect(await grubScriptCheck(entries.map((e) => e.text).join(''))).toBeNull();
        for (const { c, configPath, text } of entries) {
          const [head = '', search = '', configfile = '', close] = text.split('\n');
          const idWords = c.id === undefined ? [] : ['--id', c.id];
          expect(grubWords(head)).toEqual(['menuentry', c.title, ...idWords, '{']);
          expect(grubWords(search)).toEqual([
            'search',
            '--no-floppy',
            '--set=drive1',
            '--fs-uuid',
            c.guid.toString(16).padStart(16, '0'),
          ]);
          expect(grubWords(configfile)).toEqual(['configfile', `(${VAR('drive1')})${configPath}`]);
          expect(close).toBe('}');
        }
      }),
      { numRuns: 5 },
    );
  });
});

describe('grubZfsUuid', () => {
  it("prints the pool GUID the way GRUB's zfs_uuid does: %016llx", () => {
    expect(grubZfsUuid(RPOOL_GUID)).toBe('60fafb5f76ddf1b0');
    expect(grubZfsUuid('1')).toBe('0000000000000001');
    expect(grubZfsUuid('18446744073709551615')).toBe('ffffffffffffffff');
  });

  it('refuses what is not a 64-bit pool GUID', () => {
    for (const bad of ['0', '18446744073709551616', '99999999999999999999', '', ' 1', 'abc'])
      expect(() => grubZfsUuid(bad), bad).toThrow(GrubEmitError);
  });
});
