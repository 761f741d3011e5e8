// XML text from data: the one escape function and a small element printer, so that names and
// paths from users or machines reach libvirt XML only through escaping (DESIGN.md section 8).

/** A value could not be written as XML (a character XML 1.0 forbids, a bad element name...). */
export class XmlEmitError extends Error {
  override readonly name = 'XmlEmitError';
}

// XML 1.0 section 2.2 "Char": tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF. Anything
// else (other C0 controls, lone surrogates, U+FFFE/U+FFFF) makes the whole document ill-formed, and
// no escape can carry it (`&#1;` is forbidden too), so it is refused rather than dropped.
const FORBIDDEN_CHAR_RE = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
// Element and attribute names come from our own code; a strict subset of XML's Name is enough.
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*(:[A-Za-z_][A-Za-z0-9_.-]*)?$/;

/**
 * Text escaped for both element content and a quoted attribute value: `&`, `<`, `>`, `"` and `'`
 * become entities, and tab, LF and CR become character references because a parser normalises
 * raw ones inside attribute values to spaces (XML 1.0 section 3.3.3), which would change the value.
 */
export function escapeXml(text: string): string {
  const bad = FORBIDDEN_CHAR_RE.exec(text);
  if (bad !== null) {
    const code = bad[0].codePointAt(0) ?? 0;
    throw new XmlEmitError(
      `U+${code.toString(16).toUpperCase().padStart(4, '0')} cannot appear in an XML document`,
    );
  }
  return text.replace(/[&<>"'\t\n\r]/g, (c) => ENTITIES[c] ?? c);
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

export type XmlAttrValue = string | number | undefined;

export interface XmlElement {
  readonly name: string;
  /** Printed in insertion order; `undefined` values are left out. */
  readonly attrs: Readonly<Record<string, XmlAttrValue>>;
  readonly children: readonly XmlNode[];
}

/** An XML comment; the text must not hold `--` (XML forbids it inside comments). */
export interface XmlComment {
  readonly comment: string;
}

export type XmlNode = XmlElement | XmlComment | string;

/** An element; children are elements, comments or text (text is escaped when printed). */
export function el(
  name: string,
  attrs: Readonly<Record<string, XmlAttrValue>> = {},
  ...children: (XmlNode | null | undefined | false)[]
): XmlElement {
  return {
    name,
    attrs,
    children: children.filter((c): c is XmlNode => c !== null && c !== undefined && c !== false),
  };
}

export function xmlComment(comment: string): XmlComment {
  return { comment };
}

/** The printed document: one element per line, two-space indent, text-only elements on one line. */
export function renderXml(root: XmlElement): string {
  return `${renderElement(root, 0)}\n`;
}

function renderElement(node: XmlElement, level: number): string {
  checkName(node.name);
  const pad = '  '.repeat(level);
  let open = `${pad}<${node.name}`;
  for (const [key, value] of Object.entries(node.attrs)) {
    if (value === undefined) continue;
    checkName(key);
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new XmlEmitError(`attribute ${key} of <${node.name}> is not a finite number`);
    }
    open += ` ${key}='${escapeXml(String(value))}'`;
  }
  if (node.children.length === 0) return `${open}/>`;
  if (node.children.every((c) => typeof c === 'string')) {
    return `${open}>${node.children.map((c) => escapeXml(c)).join('')}</${node.name}>`;
  }
  const lines = node.children.map((child) => {
    if (typeof child === 'string') return `${pad}  ${escapeXml(child)}`;
    if ('comment' in child) return `${pad}  ${renderComment(child.comment)}`;
    return renderElement(child, level + 1);
  });
  return `${open}>\n${lines.join('\n')}\n${pad}</${node.name}>`;
}

function renderComment(text: string): string {
  escapeXml(text); // only to refuse forbidden characters; comment text is not entity-decoded
  if (text.includes('--') || text.endsWith('-')) {
    throw new XmlEmitError('an XML comment cannot hold "--" or end in "-"');
  }
  return `<!-- ${text} -->`;
}

function checkName(name: string): void {
  if (!NAME_RE.test(name))
    throw new XmlEmitError(`"${name}" is not an XML name this emitter writes`);
}
