// visibleText against the attacks a plan file or a machine can make on a terminal or the UI
// (erasing, overwriting, reordering or hiding text), and as properties over any string.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasHiddenText, visibleText } from './visible-text';

/** Anything that moves the cursor, erases, reorders or hides: what must never reach the output. */
const DANGEROUS =
  // eslint-disable-next-line no-control-regex -- control characters are what must not come out
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Strings of any UTF-16 code units, lone surrogates included. */
const anyUtf16 = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
});
const anyCodePoints = fc.string({ unit: 'binary' });
/** Dense in the dangerous ranges, mixed with plain text. */
const hostile = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)),
    fc.constantFrom(
      '\u202a',
      '\u202b',
      '\u202c',
      '\u202d',
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
    ),
    fc.constantFrom('\u200b', '\u200e', '\u200f', '\u061c', '\ufeff', '\u2028', '\u2029', '\u00ad'),
    fc.constantFrom('\u{e0041}', '\u{e007f}', '\u034f', '\u3164', '\ufe0f'),
    fc.constantFrom('a', '/', 'é', '中', '\\', 'x'),
  ),
});

describe('visibleText: concrete attacks', () => {
  it('shows an ANSI erase-line and carriage return instead of letting them hide the real text', () => {
    const title = 'Write /etc/nixos/flake.nix\x1b[2K\rWrite /etc/nixos/cohabit.nix';
    expect(visibleText(title)).toBe(
      'Write /etc/nixos/flake.nix\\x1b[2K\\rWrite /etc/nixos/cohabit.nix',
    );
  });

  it('shows the 8-bit CSI, OSC hyperlinks and clipboard writes, and BEL', () => {
    expect(visibleText('\u009b2Kx')).toBe('\\x9b2Kx');
    expect(visibleText('\x1b]8;;http://evil\x07click\x1b]8;;\x07')).toBe(
      '\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07',
    );
    expect(visibleText('\x1b]52;c;cm0gLXJmIC8K\x1b\\')).toBe('\\x1b]52;c;cm0gLXJmIC8K\\x1b\\');
  });

  it('shows backspaces that would type over a path', () => {
    expect(visibleText('flake.nix\b\b\b\b\b\b\b\b\bcohabit.nix')).toBe(
      'flake.nix\\x08\\x08\\x08\\x08\\x08\\x08\\x08\\x08\\x08cohabit.nix',
    );
  });

  it('shows bidi overrides and isolates, which would print a path backwards', () => {
    // "/etc/nixos/‮xin.ekalf" displays as /etc/nixos/flake.nix reversed into "cohabit"-like text.
    expect(visibleText('/etc/nixos/\u202exin.ekalf')).toBe('/etc/nixos/\\u202exin.ekalf');
    expect(visibleText('a\u2066b\u2067c\u2068d\u2069e\u202af\u202bg\u202ch\u202di')).toBe(
      'a\\u2066b\\u2067c\\u2068d\\u2069e\\u202af\\u202bg\\u202ch\\u202di',
    );
    expect(visibleText('\u200e\u200f\u061c')).toBe('\\u200e\\u200f\\u061c');
  });

  it('shows zero-width and invisible characters, language tags and lone surrogates', () => {
    expect(visibleText('cohabit\u200b.nix')).toBe('cohabit\\u200b.nix');
    expect(visibleText('\ufeffa\u00adb\u2060c\u3164d')).toBe('\\ufeffa\\xadb\\u2060c\\u3164d');
    expect(visibleText('x\u{e0041}\u{e007f}')).toBe('x\\u{e0041}\\u{e007f}');
    // Unassigned in the tag block and beside the word joiner: shown too (found by fast-check).
    expect(visibleText('\u{e0002}\u2065')).toBe('\\u{e0002}\\u2065');
    expect(visibleText('\ud800z')).toBe('\\ud800z');
  });

  it('keeps a title on one line, unless the text is multi-line on purpose', () => {
    const forged = 'Create the dataset\n  s02 [creates] nothing to see';
    expect(visibleText(forged)).toBe('Create the dataset\\n  s02 [creates] nothing to see');
    expect(visibleText('line one\n\tline two\r\n', { multiline: true })).toBe(
      'line one\n\tline two\\r\n',
    );
    expect(visibleText('a\u2028b', { multiline: true })).toBe('a\\u2028b');
  });

  it('leaves ordinary text alone, accents, scripts and emoji included', () => {
    for (const s of [
      'Write /etc/nixos/cohabit.nix',
      'zfs create -o mountpoint=legacy zroot/nixos-b',
      'Système « B » — 中文 — ελληνικά — 🐧',
      'C:\\path with \\x1b written out',
    ])
      expect(visibleText(s)).toBe(s);
    expect(hasHiddenText('plain')).toBe(false);
    expect(hasHiddenText('a\u202eb')).toBe(true);
  });
});

describe('visibleText: properties', () => {
  it('never lets a control, bidi or invisible character or a lone surrogate through', () => {
    for (const arb of [anyUtf16, anyCodePoints, hostile])
      fc.assert(
        fc.property(arb, (s) => {
          const out = visibleText(s);
          expect(out).not.toMatch(DANGEROUS);
          expect(out).not.toMatch(/\t/);
          expect(LONE_SURROGATE.test(out)).toBe(false);
        }),
        { numRuns: 400 },
      );
  });

  it('keeps only line feeds and tabs in multi-line text', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = visibleText(s, { multiline: true });
        expect(out.replace(/[\n\t]/g, '')).not.toMatch(DANGEROUS);
        expect(out.split('\n').length).toBe(s.split('\n').length);
      }),
      { numRuns: 400 },
    );
  });

  it('is idempotent and changes nothing in text that needed nothing', () => {
    fc.assert(
      fc.property(fc.oneof(anyUtf16, hostile), (s) => {
        const once = visibleText(s);
        expect(visibleText(once)).toBe(once);
        expect(hasHiddenText(once)).toBe(false);
      }),
      { numRuns: 400 },
    );
    const printable = fc.string({
      unit: fc.oneof(
        fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        fc.integer({ min: 0xc0, max: 0x24f }).map((c) => String.fromCharCode(c)),
        fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCharCode(c)),
      ),
    });
    fc.assert(
      fc.property(printable, (s) => {
        expect(visibleText(s)).toBe(s);
      }),
    );
  });

  it('keeps every visible character, in order', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = visibleText(s);
        const kept = Array.from(s).filter((ch) => !hasHiddenText(ch));
        let at = 0;
        for (const ch of kept) {
          at = out.indexOf(ch, at);
          expect(at).toBeGreaterThanOrEqual(0);
          at += ch.length;
        }
      }),
      { numRuns: 300 },
    );
  });
});
