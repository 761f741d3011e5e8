// Browser mode's locks and transport, against a real server on 127.0.0.1 serving the demo machine.
import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../backend/backend';
import type { Backend } from '../backend/backend';
import { startServer } from './server';
import type { RunningServer } from './server';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: RunningServer;
let dir: string;

function raw(options: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { Host: `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const origin = () => `http://127.0.0.1:${server.port}`;
const auth = () => ({ Authorization: `Bearer ${server.token}` });

function call(
  channel: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return raw({
    method: 'POST',
    path: `/api/call/${channel}`,
    headers: { 'Content-Type': 'application/json', Origin: origin(), ...auth(), ...headers },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohabit-serve-'));
  await mkdir(join(dir, 'renderer', 'assets'), { recursive: true });
  await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Cohabit</title>');
  await writeFile(join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
  // A file beside the served folder: what a traversal would try to reach.
  await writeFile(join(dir, 'secret.txt'), 'secret');
  server = await startServer({ demo: true, port: 0, rendererDir: join(dir, 'renderer') });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('startServer', () => {
  it('listens on 127.0.0.1 and prints a URL that carries a 256-bit token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32);
    expect(server.port).toBeGreaterThan(0);
  });

  it('refuses an API call without the token, or with a wrong one, with 401', async () => {
    const none = await raw({
      method: 'POST',
      path: '/api/call/machine:info',
      headers: { Origin: origin(), 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(none.status).toBe(401);
    const res = await call('machine:info', {}, { Authorization: 'Bearer wrong' });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'no-token' } });
    // The query carries the token for the event stream only, never for a call.
    const inQuery = await raw({
      method: 'POST',
      path: `/api/call/machine:info?token=${server.token}`,
      headers: { Origin: origin(), 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(inQuery.status).toBe(401);
    expect((await raw({ path: '/api/events?token=wrong' })).status).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const res = await raw({
      path: `/?token=${server.token}`,
      headers: { Host: `evil.example:${server.port}` },
    });
    expect([421, 403]).toContain(res.status);
    const api = await call('machine:info', {}, { Host: 'evil.example' });
    expect([421, 403]).toContain(api.status);
  });

  it('accepts localhost:PORT as the Host', async () => {
    const res = await raw({
      path: `/?token=${server.token}`,
      headers: { Host: `localhost:${server.port}` },
    });
    expect(res.status).toBe(200);
  });

  it('refuses an API call from a foreign Origin with 403', async () => {
    const res = await call('machine:info', {}, { Origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'wrong-origin' } });
  });

  it('refuses a POST without Origin unless it carries the bearer token', async () => {
    const bare = await raw({
      method: 'POST',
      path: '/api/call/machine:info',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(bare.status).toBe(401);
    const bearer = await raw({
      method: 'POST',
      path: '/api/call/machine:info',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(bearer.status).toBe(200);
  });

  it('sets no cookie: the browser would send it to every other port on 127.0.0.1', async () => {
    const page = await raw({ path: `/?token=${server.token}` });
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    // A reload without the token gets the page (it holds nothing secret); the tab keeps the
    // token in its sessionStorage, which is scoped to this port.
    const reload = await raw({ path: '/' });
    expect(reload.status).toBe(200);
    expect(reload.body).toContain('<title>Cohabit</title>');
    expect(reload.body).not.toContain(server.token);
    // A cookie named like the old one opens nothing.
    const viaCookie = await raw({
      method: 'POST',
      path: '/api/call/machine:info',
      headers: {
        Cookie: `cohabit_token_${server.port}=${server.token}`,
        Origin: origin(),
        'Content-Type': 'application/json',
      },
      body: '{}',
    });
    expect(viaCookie.status).toBe(401);
  });

  it('sends the strict headers on pages and API answers', async () => {
    const page = await raw({ path: `/?token=${server.token}` });
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const api = await call('machine:info', {});
    expect(api.headers['cache-control']).toBe('no-store');
    expect(api.headers['content-security-policy']).toBe(csp);
  });

  it('serves assets with their content type', async () => {
    const res = await raw({ path: `/assets/app.js?token=${server.token}` });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/../package.json',
    '/%2e%2e/%2e%2e/%2e%2e/package.json',
    '//etc/passwd',
    '/assets/%00app.js',
  ])('does not serve %s outside dist/renderer', async (path) => {
    const sep = path.includes('?') ? '&' : '?';
    const res = await raw({ path: `${path}${sep}token=${server.token}` });
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('secret');
  });

  it('answers a valid call with the inventory envelope', async () => {
    const res = await call('machine:inventory', {});
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as {
      ok: boolean;
      value: { format: string; zfs: { pools: { name: string }[] } };
    };
    expect(body.ok).toBe(true);
    expect(body.value.format).toBe('cohabit-inventory/1');
    expect(body.value.zfs.pools.map((p) => p.name)).toContain('zroot');
  });

  it('answers a bad request body with a bad-request envelope naming the field', async () => {
    const res = await call('machine:inventory', { refresh: 'yes' });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body) as { ok: false; error: { code: string; message: string } };
    expect(body.error.code).toBe('bad-request');
    expect(body.error.message).toContain('refresh');
    const select = JSON.parse(
      (await call('machine:select', { source: 'mars' })).body,
    ) as typeof body;
    expect(select.error.message).toContain('source');
  });

  it('answers text that is not JSON with a bad-request envelope', async () => {
    const res = await raw({
      method: 'POST',
      path: '/api/call/machine:info',
      headers: { ...auth(), Origin: origin(), 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const big = JSON.stringify({ refresh: true, pad: 'x'.repeat(1024 * 1024 + 10) });
    const res = await raw({
      method: 'POST',
      path: '/api/call/machine:inventory',
      headers: { ...auth(), Origin: origin(), 'Content-Type': 'application/json' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'too-large' } });
  });

  it('takes calls only as POST (405), JSON only (415), and names an unknown channel (404)', async () => {
    const get = await raw({ path: '/api/call/machine:info', headers: auth() });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const text = await call('machine:info', {}, { 'Content-Type': 'text/plain' });
    expect(text.status).toBe(415);
    const malformed = await call('machine%E0%A4%A', {});
    expect(malformed.status).toBe(404);
    const inherited = await call('__proto__', {});
    expect(inherited.status).toBe(404);
    const unknown = await call('machine:format-disk', {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({
      ok: false,
      error: { code: 'unknown-channel' },
    });
  });

  it('refuses to switch a demo session to this machine, with the reason', async () => {
    const res = await call('machine:select', { source: 'local' });
    const body = JSON.parse(res.body) as { ok: false; error: { code: string; message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('forbidden');
  });

  it('delivers machine:changed over server-sent events after machine:select', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          path: `/api/events?token=${server.token}`,
          headers: { Host: `127.0.0.1:${server.port}`, Accept: 'text/event-stream' },
        },
        (res) => {
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString('utf8');
            if (text.includes(': connected')) void call('machine:select', { source: 'demo' });
            const match = /event: machine:changed\ndata: (.*)\n\n/.exec(text);
            if (match?.[1] !== undefined) {
              req.destroy();
              resolve(match[1]);
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    const payload = JSON.parse(await received) as {
      source: string;
      description: string;
      localAvailable: boolean;
    };
    expect(payload).toEqual({
      source: 'demo',
      description: 'the demo machine',
      localAvailable: false,
    });
  });

  it('refuses an event stream without the token', async () => {
    expect((await raw({ path: '/api/events' })).status).toBe(401);
  });
});

describe('startServer options', () => {
  it('refuses --demo together with --host-snapshot', async () => {
    await expect(startServer({ demo: true, hostSnapshot: 'x.json' })).rejects.toThrow(/either/);
  });
});

describe('the backend belongs to the server', () => {
  // A closed backend refuses to read the machine: that is what ends a remote machine's SSH
  // connection (the connection itself is followed in the backend's and the CLI's specs).
  const refusesToRead = (backend: Backend) =>
    expect(backend.handlers['machine:inventory']({ refresh: true })).rejects.toMatchObject({
      code: 'closed',
    });

  it('closes the backend it was given when it stops', async () => {
    const backend = createBackend({ kind: 'demo' }, { allowLocal: true });
    const own = await startServer({ port: 0, backend, rendererDir: join(dir, 'renderer') });
    const res = await fetch(`http://127.0.0.1:${own.port}/api/call/machine:inventory`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${own.token}`,
        Origin: `http://127.0.0.1:${own.port}`,
      },
      body: '{}',
    });
    expect(res.status).toBe(200);
    await own.close();
    await refusesToRead(backend);
  });

  it('closes the backend when it cannot listen, since no server will own it', async () => {
    const backend = createBackend({ kind: 'demo' }, { allowLocal: true });
    await expect(startServer({ port: server.port, backend })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await refusesToRead(backend);
  });
});
