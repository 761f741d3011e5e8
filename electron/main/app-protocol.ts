// The app's own origin, cohabit://app: the renderer is served from dist/renderer through this
// privileged scheme, which gives CSP and the navigation and IPC sender checks one exact origin.
import { readFile, realpath } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { CONTENT_SECURITY_POLICY } from './security/csp';

export const APP_SCHEME = 'cohabit';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * standard: real origin, relative URLs and localStorage; secure: treated like https (no mixed
 * content, secure-context APIs); supportFetchAPI: the renderer may fetch its own assets.
 * No bypassCSP, no corsEnabled: the page obeys the CSP and cannot be read cross-origin.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
} as const;

/** True for URLs of the app's own origin (cohabit://app/...), whatever the path. */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // URL.origin is "null" for schemes Node does not know, so compare scheme and host directly.
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.host === APP_HOST &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

const MIME_TYPES: Record<string, string> = {
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
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * The file under `root` that an app URL names, or null when the URL is not ours or would leave
 * `root` (`..`, encoded slashes or dots, NUL bytes, absolute paths).
 */
export function resolveAppPath(root: string, url: string): string | null {
  if (!isAppUrl(url)) return null;
  const { pathname } = new URL(url);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return null;
  if (segments.length === 0) segments.push('index.html');
  const rootDir = resolve(root);
  const path = resolve(rootDir, ...segments);
  return isInside(rootDir, path) ? path : null;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/**
 * Answers one request of the app scheme from the files under `root`. Only GET and HEAD; a link
 * inside `root` that points outside it is refused like a traversal.
 */
export async function serveAppRequest(
  root: string,
  request: { method: string; url: string },
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return plain(405, 'Method not allowed');
  const path = resolveAppPath(root, request.url);
  if (path === null) return plain(404, 'Not found');
  let body: Uint8Array<ArrayBuffer>;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(path)]);
    if (!isInside(realRoot, realFile)) return plain(404, 'Not found');
    body = new Uint8Array(await readFile(realFile));
  } catch {
    return plain(404, 'Not found');
  }
  const type = MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  return new Response(request.method === 'HEAD' ? null : body, {
    status: 200,
    headers: { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-cache' },
  });
}
