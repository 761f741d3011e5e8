// The browser-mode client against a fake fetch and a fake EventSource: what it sends, what it
// accepts, and which errors the UI gets.
import { describe, expect, it } from 'vitest';
import { ApiCallError } from './api-error';
import { takeBrowserToken, TOKEN_STORAGE_KEY } from './browser-token';
import { createHttpApi } from './http-api';
import type { EventSourceLike } from './http-api';

const INFO = { source: 'demo', description: 'the demo machine', localAvailable: false };

function fakeFetch(respond: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const seen: { url: string; init: RequestInit }[] = [];
  const fn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    seen.push({ url, init: init ?? {} });
    return respond(url, init ?? {});
  }) as typeof fetch;
  return { fn, seen };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('createHttpApi call', () => {
  it('POSTs the request as JSON with the bearer token and returns the parsed value', async () => {
    const f = fakeFetch(() => json({ ok: true, value: INFO }));
    const api = createHttpApi({ token: 'T', fetch: f.fn });
    await expect(api.call('machine:info', {})).resolves.toEqual(INFO);
    expect(f.seen[0]?.url).toBe('/api/call/machine:info');
    expect(f.seen[0]?.init.method).toBe('POST');
    expect((f.seen[0]?.init.headers as Record<string, string>).Authorization).toBe('Bearer T');
    expect(f.seen[0]?.init.body).toBe('{}');
  });

  it('sends no Authorization header when it has no token (the server then refuses)', async () => {
    const f = fakeFetch(() => json({ ok: true, value: INFO }));
    await createHttpApi({ token: null, fetch: f.fn }).call('machine:info', {});
    expect((f.seen[0]?.init.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it('throws the backend error with its code and message', async () => {
    const f = fakeFetch(() =>
      json({ ok: false, error: { code: 'forbidden', message: 'Not in a demo session.' } }, 403),
    );
    const error = await createHttpApi({ token: 'T', fetch: f.fn })
      .call('machine:select', { source: 'local' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiCallError);
    expect(error).toMatchObject({ code: 'forbidden', message: 'Not in a demo session.' });
  });

  it('refuses an answer that does not match the contract', async () => {
    const f = fakeFetch(() => json({ ok: true, value: { source: 'mars' } }));
    await expect(
      createHttpApi({ token: 'T', fetch: f.fn }).call('machine:info', {}),
    ).rejects.toMatchObject({ code: 'bad-response' });
  });

  it('names the HTTP status when the answer is not an envelope', async () => {
    const f = fakeFetch(() => new Response('Not found.\n', { status: 404 }));
    const error = await createHttpApi({ token: 'T', fetch: f.fn })
      .call('machine:info', {})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'bad-response' });
    expect((error as ApiCallError).message).toContain('HTTP 404');
  });

  it('says the server is gone when fetch fails', async () => {
    const f = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    await expect(
      createHttpApi({ token: 'T', fetch: f.fn }).call('machine:info', {}),
    ).rejects.toMatchObject({ code: 'unreachable' });
  });
});

class FakeEvents implements EventSourceLike {
  listeners = new Map<string, Set<(e: MessageEvent<string>) => void>>();
  closed = false;
  constructor(readonly url: string) {}
  addEventListener(type: string, l: (e: MessageEvent<string>) => void) {
    this.listeners.set(type, (this.listeners.get(type) ?? new Set()).add(l));
  }
  removeEventListener(type: string, l: (e: MessageEvent<string>) => void) {
    this.listeners.get(type)?.delete(l);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: string) {
    for (const l of this.listeners.get(type) ?? []) l({ data } as MessageEvent<string>);
  }
}

describe('createHttpApi on', () => {
  it('delivers parsed events, drops malformed ones, and closes the stream when the last subscriber aborts', () => {
    const opened: FakeEvents[] = [];
    const errors: ApiCallError[] = [];
    const api = createHttpApi({
      token: 'a b',
      openEvents: (url) => (
        opened.push(new FakeEvents(url)),
        opened[opened.length - 1] as FakeEvents
      ),
      onEventError: (e) => errors.push(e),
    });
    const got: unknown[] = [];
    const first = new AbortController();
    const second = new AbortController();
    api.on('machine:changed', (p) => got.push(p), first.signal);
    api.on('machine:changed', () => undefined, second.signal);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.url).toBe('/api/events?token=a%20b');
    opened[0]?.emit('machine:changed', JSON.stringify(INFO));
    opened[0]?.emit('machine:changed', '{"source":1}');
    expect(got).toEqual([INFO]);
    expect(errors[0]?.code).toBe('bad-event');
    first.abort();
    expect(opened[0]?.closed).toBe(false);
    second.abort();
    expect(opened[0]?.closed).toBe(true);
  });
});

describe('takeBrowserToken', () => {
  function env(href: string, stored: string | null = null) {
    const storage = new Map<string, string>(stored === null ? [] : [[TOKEN_STORAGE_KEY, stored]]);
    const replaced: string[] = [];
    return {
      replaced,
      storage,
      env: {
        location: { href },
        history: {
          replaceState: (_d: unknown, _u: string, url?: string | URL | null) =>
            replaced.push(String(url)),
        },
        storage: {
          getItem: (k: string) => storage.get(k) ?? null,
          setItem: (k: string, v: string) => void storage.set(k, v),
        },
      },
    };
  }

  it('takes the token from the URL, keeps it for the tab and removes it from the address bar', () => {
    const e = env('http://127.0.0.1:4000/?token=abc&x=1#/plan');
    expect(takeBrowserToken(e.env)).toBe('abc');
    expect(e.storage.get(TOKEN_STORAGE_KEY)).toBe('abc');
    expect(e.replaced).toEqual(['/?x=1#/plan']);
  });

  it('falls back to the stored token after a reload', () => {
    const e = env('http://127.0.0.1:4000/#/machine', 'kept');
    expect(takeBrowserToken(e.env)).toBe('kept');
    expect(e.replaced).toEqual([]);
  });
});
