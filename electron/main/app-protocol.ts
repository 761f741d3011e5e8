// The app's own origin, cohabit://app: the renderer is served from dist/renderer through this
// privileged scheme, which gives CSP and the navigation and IPC sender checks one exact origin.
import { SECURITY_HEADERS } from '../serve/security-headers';
import { readStaticFile } from '../serve/static-files';

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
  // The same resolver as browser mode: one place decides what may leave dist/renderer.
  const file = isAppUrl(request.url)
    ? await readStaticFile(root, new URL(request.url).pathname)
    : null;
  if (file === null) return plain(404, 'Not found');
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(file.body), {
    status: 200,
    headers: { ...SECURITY_HEADERS, 'Content-Type': file.contentType, 'Cache-Control': 'no-cache' },
  });
}
