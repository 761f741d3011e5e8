// Browser mode: the built renderer and the api contract over HTTP on 127.0.0.1, behind a random
// token, for a browser on this machine or at the end of an SSH tunnel (DESIGN.md section 8).
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiError, Envelope, EventChannel } from '../../shared/api/contract';
import { isCallChannel } from '../../shared/api/contract';
import { createBackend } from '../backend/backend';
import type { AppLog } from '../log/app-log';
import type { Backend, BackendSource } from '../backend/backend';
import { envelope } from '../backend/envelope';
import { TOKEN_REFUSAL, checkHost, checkOrigin, hasToken } from './request-guard';
import type { Refusal } from './request-guard';
import { SECURITY_HEADERS } from './security-headers';
import { createServeToken } from './serve-token';
import { defaultRendererDir, readStaticFile } from './static-files';

/** Loopback only: the token is the only lock, so the door must not face the network. */
export const SERVE_ADDRESS = '127.0.0.1';
export const BODY_LIMIT_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 25_000;

export interface ServeOptions {
  /** true: the default demo machine; a string: the demo machine of that name. */
  demo?: boolean | string;
  hostSnapshot?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Where the built renderer is; default dist/renderer. */
  rendererDir?: string;
  /**
   * A backend to serve instead of one built from demo/hostSnapshot (tests, embedding, `--host`).
   * The server owns it from then on: close() closes it, ending its SSH connection.
   */
  backend?: Backend;
  /** The user's log for the backend built here (`cohabit serve` gives openAppLog()); none by default. */
  log?: AppLog | null;
}

export interface RunningServer {
  /** The URL to open, token included. */
  url: string;
  port: number;
  token: string;
  /** Whether an apply is in progress: close() cancels it and waits for its rollback. */
  applying(): boolean;
  /** Stops listening, ends the open event streams and closes the backend. */
  close(): Promise<void>;
}

export function backendSourceFor(
  options: Pick<ServeOptions, 'demo' | 'hostSnapshot'>,
): BackendSource {
  if (options.demo && options.hostSnapshot !== undefined)
    throw new Error('Choose either --demo or --host-snapshot, not both.');
  if (typeof options.demo === 'string') return { kind: 'demo', name: options.demo };
  if (options.demo) return { kind: 'demo' };
  if (options.hostSnapshot !== undefined) return { kind: 'snapshot', path: options.hostSnapshot };
  return { kind: 'local' };
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, ...extra });
  response.end(body);
}

function sendEnvelope(
  response: ServerResponse,
  status: number,
  value: Envelope<unknown>,
  extra: Record<string, string> = {},
): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(value), {
    'Cache-Control': 'no-store',
    ...extra,
  });
}

function refuse(
  response: ServerResponse,
  refusal: Refusal,
  api: boolean,
  extra: Record<string, string> = {},
): void {
  if (api)
    sendEnvelope(
      response,
      refusal.status,
      { ok: false, error: { code: refusal.code, message: refusal.message } },
      extra,
    );
  else
    send(response, refusal.status, 'text/plain; charset=utf-8', refusal.message + '\n', {
      'Cache-Control': 'no-store',
      ...extra,
    });
}

function statusFor(error: ApiError): number {
  if (error.code === 'bad-request') return 400;
  if (error.code === 'forbidden') return 403;
  return 500;
}

/** Reads a body up to `limit` bytes; resolves null when it is larger. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    request.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** A malformed escape is simply not a channel name (answered 404), not a server error. */
function decodeChannel(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function isJsonContentType(header: string | undefined): boolean {
  return header !== undefined && header.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

// Long because the request handlers are closures over the server's token, port and event streams.
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const backend =
    options.backend ?? createBackend(backendSourceFor(options), { log: options.log ?? null });
  const rendererDir = options.rendererDir ?? defaultRendererDir();
  const token = createServeToken();
  const streams = new Set<ServerResponse>();
  let port = 0;

  async function handleCall(
    request: IncomingMessage,
    response: ServerResponse,
    channel: string,
  ): Promise<void> {
    if (request.method !== 'POST') {
      refuse(
        response,
        { status: 405, code: 'method-not-allowed', message: 'API calls are POST requests.' },
        true,
        { Allow: 'POST' },
      );
      return;
    }
    if (!isCallChannel(channel)) {
      refuse(
        response,
        {
          status: 404,
          code: 'unknown-channel',
          message: `There is no call named ${JSON.stringify(channel)}.`,
        },
        true,
      );
      return;
    }
    if (!isJsonContentType(request.headers['content-type'])) {
      refuse(
        response,
        {
          status: 415,
          code: 'unsupported-media-type',
          message: 'API calls take a JSON body (Content-Type: application/json).',
        },
        true,
      );
      return;
    }
    const tooLarge: Refusal = {
      status: 413,
      code: 'too-large',
      message: `A request body may hold at most ${BODY_LIMIT_BYTES} bytes.`,
    };
    const declared = Number(request.headers['content-length'] ?? '0');
    if (declared > BODY_LIMIT_BYTES) {
      refuse(response, tooLarge, true, { Connection: 'close' });
      request.resume();
      return;
    }
    const body = await readBody(request, BODY_LIMIT_BYTES);
    if (body === null) {
      refuse(response, tooLarge, true, { Connection: 'close' });
      return;
    }
    let parsed: unknown;
    try {
      parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      refuse(
        response,
        { status: 400, code: 'bad-request', message: `${channel}: the body is not valid JSON.` },
        true,
      );
      return;
    }
    const handler = backend.handlers[channel] as (request: unknown) => Promise<unknown>;
    const result = await envelope(
      () => handler(parsed),
      backend.log === null ? undefined : { to: backend.log, channel },
    );
    sendEnvelope(response, result.ok ? 200 : statusFor(result.error), result);
  }

  function handleEvents(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET') {
      refuse(
        response,
        { status: 405, code: 'method-not-allowed', message: 'The event stream is a GET request.' },
        true,
        { Allow: 'GET' },
      );
      return;
    }
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    response.write('retry: 2000\n: connected\n\n');
    streams.add(response);
    const unsubscribe = backend.subscribe((channel: EventChannel, payload: unknown) => {
      response.write(`event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    // Proxies and tunnels drop a silent connection; a comment line keeps it open.
    const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    request.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(response);
    });
  }

  async function handleStatic(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
  ): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      refuse(
        response,
        { status: 405, code: 'method-not-allowed', message: 'Only GET here.' },
        false,
        { Allow: 'GET, HEAD' },
      );
      return;
    }
    const file = await readStaticFile(rendererDir, url.pathname);
    if (file === null) {
      const missing =
        url.pathname === '/'
          ? 'The renderer is not built: run `npm run build`, then reload.'
          : 'Not found.';
      refuse(response, { status: 404, code: 'not-found', message: missing }, false);
      return;
    }
    const headers: Record<string, string> = {
      // index.html is where the token arrives (in its URL); nothing should keep a copy of it.
      'Cache-Control': file.contentType.startsWith('text/html') ? 'no-store' : 'no-cache',
    };
    if (request.method === 'HEAD') {
      response.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': file.contentType,
        'Content-Length': String(file.body.length),
        ...headers,
      });
      response.end();
      return;
    }
    send(response, 200, file.contentType, file.body, headers);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawUrl = request.url ?? '';
    const api = rawUrl.startsWith('/api/');
    const hostRefusal = checkHost(request, port);
    if (hostRefusal !== null) return refuse(response, hostRefusal, api);
    if (!rawUrl.startsWith('/'))
      return refuse(
        response,
        { status: 400, code: 'bad-url', message: 'Bad request target.' },
        api,
      );
    const url = new URL(`http://${SERVE_ADDRESS}${rawUrl}`);
    // The built renderer holds nothing secret, so its files need no token: after a reload the page
    // has the token only in its tab's sessionStorage (port-scoped, unlike a cookie, which the
    // browser would also send to every other port on 127.0.0.1 for any listener to replay).
    if (api) {
      if (!hasToken(request, url, token)) return refuse(response, TOKEN_REFUSAL, true);
      const originRefusal =
        url.pathname === '/api/events' ? eventOriginRefusal(request) : checkOrigin(request, port);
      if (originRefusal !== null) return refuse(response, originRefusal, true);
      if (url.pathname === '/api/events') return handleEvents(request, response);
      const call = /^\/api\/call\/(.+)$/.exec(url.pathname);
      if (call?.[1] !== undefined) return handleCall(request, response, decodeChannel(call[1]));
      return refuse(
        response,
        { status: 404, code: 'not-found', message: `No API at ${url.pathname}.` },
        true,
      );
    }
    return handleStatic(request, response, url);
  }

  /** EventSource cannot set headers, so its token rides in the query; a foreign page still has no token, and its Origin is refused. */
  function eventOriginRefusal(request: IncomingMessage): Refusal | null {
    if (request.headers.origin === undefined && request.headers['sec-fetch-site'] !== 'cross-site')
      return null;
    return checkOrigin(request, port);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        refuse(
          response,
          {
            status: 500,
            code: 'internal',
            message: error instanceof Error ? error.message : String(error),
          },
          true,
        );
      else response.destroy();
    });
  });
  server.requestTimeout = 60_000;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, SERVE_ADDRESS, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // No server will own the backend (a port in use): it is closed here, not left connected.
    await backend.close();
    throw error;
  }
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${SERVE_ADDRESS}:${port}/?token=${token}`,
    port,
    token,
    applying: () => backend.applying(),
    close: async () => {
      const stopped = new Promise<void>((resolve, reject) => {
        for (const s of streams) s.end();
        streams.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      // The backend is closed even when the server fails to stop: its SSH connection would
      // otherwise outlive `cohabit serve`.
      const closing = backend.close();
      try {
        await stopped;
      } finally {
        await closing;
      }
    },
  };
}
