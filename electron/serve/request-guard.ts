// The checks every browser-mode request passes before anything else runs: the Host header (DNS
// rebinding), the Origin of API calls (cross-site requests) and the token.
import type { IncomingMessage } from 'node:http';
import type { ApiErrorCode } from '../../shared/api/error-codes';
import { bearerToken, tokensEqual } from './serve-token';

export interface Refusal {
  status: number;
  code: ApiErrorCode;
  message: string;
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/**
 * A page on evil.example that resolves its name to 127.0.0.1 still sends `Host: evil.example`:
 * only our own names pass.
 */
export function checkHost(request: IncomingMessage, port: number): Refusal | null {
  const host = request.headers.host?.toLowerCase();
  if (host !== undefined && allowedHosts(port).includes(host)) return null;
  return {
    status: 421,
    code: 'wrong-host',
    message: `Cohabit answers only at http://127.0.0.1:${port}/. Over an SSH tunnel, forward the same port number: ssh -L ${port}:127.0.0.1:${port} <server>.`,
  };
}

/**
 * API calls must come from our own page. When the Origin header is missing the request may still
 * be a browser's (some send none on same-origin POSTs), so it must then carry the bearer token
 * that only our page's script knows.
 */
export function checkOrigin(request: IncomingMessage, port: number): Refusal | null {
  const origin = request.headers.origin;
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site')
    return { status: 403, code: 'wrong-origin', message: 'Cross-site requests are refused.' };
  if (origin === undefined) {
    if (bearerToken(request.headers.authorization) !== null) return null;
    return {
      status: 403,
      code: 'wrong-origin',
      message:
        'An API call without an Origin header must carry the token in an Authorization header.',
    };
  }
  const host = request.headers.host?.toLowerCase() ?? '';
  if (allowedHosts(port).includes(host) && origin.toLowerCase() === `http://${host}`) return null;
  return { status: 403, code: 'wrong-origin', message: `Requests from ${origin} are refused.` };
}

/**
 * Whether an API request carries the token: in the Authorization header (calls), or in the query
 * for the event stream only (EventSource cannot set headers). There is no cookie: cookies are not
 * port-scoped, so the browser would send one to any other listener on 127.0.0.1, which could
 * replay it here.
 */
export function hasToken(request: IncomingMessage, url: URL, token: string): boolean {
  if (tokensEqual(token, bearerToken(request.headers.authorization))) return true;
  return url.pathname === '/api/events' && tokensEqual(token, url.searchParams.get('token'));
}

export const TOKEN_REFUSAL: Refusal = {
  status: 401,
  code: 'no-token',
  message:
    'This page needs the token: open the full URL that `cohabit serve` printed (a new tab does not have it).',
};
