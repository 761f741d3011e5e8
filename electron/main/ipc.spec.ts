import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { CALL_CHANNELS } from '../../shared/api/contract';
import type { Envelope, MachineInfo } from '../../shared/api/contract';
import { createBackend } from '../backend/backend';
import type { Backend } from '../backend/backend';
import { emptySnapshot } from '../host/snapshot-format';
import { isAppUrl } from './app-protocol';
import { forwardEvents, isTrustedSender, registerIpcHandlers } from './ipc';

type Handler = (event: IpcMainInvokeEvent, request: unknown) => Promise<Envelope<unknown>>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: (channel: string, handler: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, handler);
    },
    removeHandler: (channel: string) => handlers.delete(channel),
  } as unknown as IpcMain;
  return { ipcMain, handlers };
}

interface Frame {
  url: string;
  parent: Frame | null;
  processId: number;
  routingId: number;
}

function fakeWindow(url = 'cohabit://app/index.html') {
  const mainFrame: Frame = { url, parent: null, processId: 4, routingId: 1 };
  const webContents = { mainFrame };
  const window = { webContents, isDestroyed: () => false } as unknown as BrowserWindow;
  return { window, webContents, mainFrame };
}

function invokeEvent(sender: unknown, senderFrame: Frame | null): IpcMainInvokeEvent {
  return { sender, senderFrame } as unknown as IpcMainInvokeEvent;
}

/** A real backend on a snapshot path that does not exist: no machine is ever read. */
function recordedBackend(): Backend {
  return createBackend({ kind: 'snapshot', path: '/nonexistent/host.json' }, { allowLocal: false });
}

function setup(backend: Backend = recordedBackend()) {
  const { ipcMain, handlers } = fakeIpcMain();
  const { window, webContents, mainFrame } = fakeWindow();
  const unregister = registerIpcHandlers(ipcMain, backend, (event) =>
    isTrustedSender(event, window, isAppUrl),
  );
  const call = (channel: string, request: unknown, event = invokeEvent(webContents, mainFrame)) => {
    const handler = handlers.get(channel);
    if (handler === undefined) throw new Error(`no handler for ${channel}`);
    return handler(event, request);
  };
  return { handlers, call, unregister, webContents, mainFrame };
}

describe('IPC handlers', () => {
  it('handle every contract call channel, and no other', () => {
    const { handlers, unregister } = setup();
    expect([...handlers.keys()].sort()).toEqual([...CALL_CHANNELS].sort());
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('answer a call from our window with the backend value in an envelope', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohabit-ipc-'));
    const path = join(dir, 'host.json');
    await writeFile(path, JSON.stringify(emptySnapshot('synthetic, empty')));
    const { call } = setup(createBackend({ kind: 'snapshot', path }, { allowLocal: false }));
    const reply = await call('machine:info', {});
    await rm(dir, { recursive: true });
    expect(reply).toEqual({
      ok: true,
      value: { source: 'snapshot', description: `snapshot ${path}`, localAvailable: false },
    });
  });

  it('refuse a call from a subframe, another window or a foreign page, without asking the backend', async () => {
    const info = vi.fn<() => Promise<MachineInfo>>();
    const backend = { ...recordedBackend() };
    backend.handlers = { ...backend.handlers, 'machine:info': info };
    const { call, webContents, mainFrame } = setup(backend);
    const subframe: Frame = {
      url: 'cohabit://app/index.html',
      parent: mainFrame,
      processId: 4,
      routingId: 7,
    };
    const foreign: Frame = { ...mainFrame, url: 'https://evil.example/' };
    const otherContents = { mainFrame: { ...mainFrame } };
    for (const event of [
      invokeEvent(webContents, subframe),
      invokeEvent(webContents, foreign),
      invokeEvent(webContents, null),
      invokeEvent(otherContents, otherContents.mainFrame),
    ]) {
      const reply = await call('machine:info', {}, event);
      expect(reply.ok).toBe(false);
      if (!reply.ok) expect(reply.error.code).toBe('forbidden-sender');
    }
    expect(info).not.toHaveBeenCalled();
  });

  it('answer a malformed request with bad-request naming the field', async () => {
    const { call } = setup();
    const reply = await call('machine:inventory', { refresh: 'yes' });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('bad-request');
    expect(reply.error.message).toMatch(/^machine:inventory: refresh: /);
    const extra = await call('machine:select', { source: 'demo', shell: 'rm -rf /' });
    expect(extra.ok ? 'ok' : extra.error.code).toBe('bad-request');
  });

  it('keep the code and message of a backend error', async () => {
    const { call } = setup();
    const forbidden = await call('machine:select', { source: 'local' });
    expect(forbidden).toEqual({
      ok: false,
      error: {
        code: 'forbidden',
        message: expect.stringContaining('start Cohabit without --demo') as string,
      },
    });
    const missing = await call('machine:inventory', {});
    expect(missing.ok).toBe(false);
    if (!missing.ok) {
      expect(missing.error.code).toBe('host.ENOENT');
      expect(missing.error.message).toContain('/nonexistent/host.json');
    }
  });

  it('never throw across IPC, even when a handler throws synchronously', async () => {
    const backend = recordedBackend();
    backend.handlers['machine:info'] = () => {
      throw new TypeError('boom');
    };
    const { call } = setup(backend);
    await expect(call('machine:info', {})).resolves.toEqual({
      ok: false,
      error: { code: 'internal', message: 'boom' },
    });
  });
});

describe('event forwarding', () => {
  it('sends backend events to the window until unsubscribed', async () => {
    const backend = createBackend(
      { kind: 'snapshot', path: '/nonexistent/host.json' },
      { allowLocal: true },
    );
    const sent: unknown[][] = [];
    const contents = {
      isDestroyed: () => false,
      send: (...args: unknown[]) => sent.push(args),
    } as unknown as WebContents;
    const stop = forwardEvents(backend, contents);
    await backend.handlers['machine:select']({ source: 'demo' });
    expect(sent).toEqual([
      [
        'event',
        'machine:changed',
        { source: 'demo', description: 'the demo machine', localAvailable: true },
      ],
    ]);
    stop();
    await backend.handlers['machine:select']({ source: 'demo' });
    expect(sent).toHaveLength(1);
  });
});
