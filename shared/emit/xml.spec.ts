// Checks that escaped text survives a real XML parser (Python's expat via xml.etree) unchanged,
// in attributes and in element text, and that text XML cannot hold is refused.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { el, escapeXml, renderXml, xmlComment, XmlEmitError } from './xml';

const dir = mkdtempSync(join(tmpdir(), 'cohabit-xml-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;

// Prints every <item> of the document as [attribute v, text], as the parser decoded them.
const DUMP = `import json, sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
print(json.dumps([[i.get("v"), i.text or ""] for i in root.iter("item")]))`;

function parseItems(xml: string): Promise<[string, string][]> {
  const file = join(dir, `doc-${fileCounter++}.xml`);
  writeFileSync(file, xml);
  return new Promise((resolve, reject) => {
    execFile(
      'python3',
      ['-c', DUMP, file],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`the XML parser refused the document: ${stderr}\n${xml}`));
        else resolve(JSON.parse(stdout) as [string, string][]);
      },
    );
  });
}

// Characters XML 1.0 allows (section 2.2), astral planes included.
const xmlChar = fc.oneof(
  fc.constantFrom('&', '<', '>', '"', "'", '\t', '\n', '\r', ']]>', '&amp;', '${x}', ' '),
  fc.integer({ min: 0x20, max: 0xd7ff }).map((c) => String.fromCodePoint(c)),
  fc.integer({ min: 0xe000, max: 0xfffd }).map((c) => String.fromCodePoint(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
);
const xmlText = fc.array(xmlChar, { maxLength: 30 }).map((parts) => parts.join(''));

describe('escapeXml', () => {
  it('escapes the five markup characters and the whitespace an attribute would normalise', () => {
    expect(escapeXml(`a&b<c>d"e'f\tg\nh\ri`)).toBe(
      'a&amp;b&lt;c&gt;d&quot;e&apos;f&#9;g&#10;h&#13;i',
    );
  });

  it('round-trips any XML text through a real parser, in attributes and in text', async () => {
    const samples = fc.sample(xmlText, 400);
    samples.push('', ' leading and trailing ', '\r\n', 'O\'Brien & "Sons" <ltd>', '🦀 emoji 𝔘');
    const doc = renderXml(el('doc', {}, ...samples.map((s) => el('item', { v: s }, s))));
    const parsed = await parseItems(doc);
    expect(parsed).toEqual(samples.map((s) => [s, s]));
  });

  it.each([
    ['NUL', '\0'],
    ['a C0 control', 'a\u0001b'],
    ['escape', '\u001b[31m'],
    ['a lone high surrogate', 'x\uD800'],
    ['a lone low surrogate', '\uDC00'],
    ['U+FFFE', '\uFFFE'],
    ['U+FFFF', '\uFFFF'],
  ])('refuses %s, which no XML document can hold', (_what, text) => {
    expect(() => escapeXml(text)).toThrow(XmlEmitError);
    expect(() => renderXml(el('a', { v: text }))).toThrow(XmlEmitError);
    expect(() => renderXml(el('a', {}, text))).toThrow(XmlEmitError);
  });
});

describe('renderXml', () => {
  it('prints a document the parser reads back, with comments and empty elements', async () => {
    const doc = renderXml(
      el(
        'doc',
        {},
        xmlComment('why this is here'),
        el('item', { v: '1' }, 'one'),
        el('empty'),
        el('item', { v: '2' }, 'two'),
      ),
    );
    expect(doc).toBe(
      "<doc>\n  <!-- why this is here -->\n  <item v='1'>one</item>\n  <empty/>\n  <item v='2'>two</item>\n</doc>\n",
    );
    expect(await parseItems(doc)).toEqual([
      ['1', 'one'],
      ['2', 'two'],
    ]);
  });

  it('refuses element and attribute names that are not plain XML names, and comments with --', () => {
    expect(() => renderXml(el('a b'))).toThrow(XmlEmitError);
    expect(() => renderXml(el('a', { "x='1' y": 'z' }))).toThrow(XmlEmitError);
    expect(() => renderXml(el('a', {}, xmlComment('x --> <evil/>')))).toThrow(XmlEmitError);
    expect(() => renderXml(el('a', {}, el('b'), xmlComment('ends in -')))).toThrow(XmlEmitError);
  });
});
