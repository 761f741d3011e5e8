// Serves the built renderer (dist/renderer) and nothing else: a request path is decoded, checked
// for traversal and resolved inside the root, links included, before a byte is read.
import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** dist/renderer next to the sources in a checkout, or beside the bundled CLI in a package. */
export function defaultRendererDir(): string {
  const candidates = [
    new URL('../../dist/renderer/', import.meta.url),
    new URL('./renderer/', import.meta.url),
  ];
  for (const c of candidates) {
    const path = fileURLToPath(c);
    if (existsSync(join(path, 'index.html'))) return path;
  }
  return fileURLToPath(candidates[0] ?? new URL('.', import.meta.url));
}

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/**
 * The file for a URL pathname (still percent-encoded), or null when it is not a file inside
 * `root`. `/` is index.html. Dot files, NUL bytes, backslashes and `..` segments are refused
 * after decoding, so `%2e%2e%2f` cannot climb out either.
 */
export async function readStaticFile(root: string, pathname: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded === '/' || decoded === '') decoded = '/index.html';
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) return null;

  try {
    const realRoot = await realpath(root);
    const real = await realpath(join(realRoot, ...segments));
    if (!real.startsWith(realRoot + sep)) return null;
    if (!(await stat(real)).isFile()) return null;
    return { body: await readFile(real), contentType: contentTypeFor(real) };
  } catch {
    return null;
  }
}
