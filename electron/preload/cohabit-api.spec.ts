import { EventEmitter } from 'node:events';
import type { IpcRenderer } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { createCohabitBridge } from './cohabit-api';

const DEMO_INFO = { source: 'demo', description: 'the demo machine', localAvailable: false };

/** ipcRenderer with invoke answering from `reply` and events emitted like Electron's. */
function fakeIpc(reply: (channel: string, request: unknown) => unknown) {
  const emitter = new EventEmitter();
  const invoke = vi.fn((channel: string, request: unknown) =>
    Promise.resolve(reply(channel, request)),
  );
  const ipc = Object.assign(emitter, { invoke }) as unknown as IpcRenderer;
  const send = (channel: string, payload: unknown) => emitter.emit('event', {}, channel, payload);
  return { ipc, invoke, send, emitter };
}

describe('the preload bridge: calls', () => {
  it('invokes the channel and returns the parsed value', async () => {
    const { ipc, invoke } = fakeIpc(() => ({ ok: true, value: DEMO_INFO }));
    const bridge = createCohabitBridge(ipc);
    expect(await bridge.call('machine:info', {})).toEqual({ ok: true, value: DEMO_INFO });
    expect(invoke).toHaveBeenCalledWith('machine:info', {});
  });

  it('refuses a channel the contract does not have, without touching IPC', async () => {
    const { ipc, invoke } = fakeIpc(() => ({ ok: true, value: null }));
    const reply = await createCohabitBridge(ipc).call('fs:readFile', { path: '/etc/shadow' });
    expect(reply).toEqual({
      ok: false,
      error: { code: 'unknown-channel', message: 'no such call: fs:readFile' },
    });
    expect(invoke).not.toHaveBeenCalled();
    const proto = await createCohabitBridge(ipc).call('__proto__', {});
    expect(proto.ok).toBe(false);
  });

  it('passes the backend error through with its code, message and detail', async () => {
    const error = { code: 'host.EACCES', message: 'cannot read /sys/...', detail: 'run as root' };
    const { ipc } = fakeIpc(() => ({ ok: false, error }));
    expect(await createCohabitBridge(ipc).call('machine:inventory', {})).toEqual({
      ok: false,
      error,
    });
  });

  it('turns an answer that breaks the contract into bad-response', async () => {
    const { ipc } = fakeIpc(() => ({ ok: true, value: { source: 'mars' } }));
    const reply = await createCohabitBridge(ipc).call('machine:info', {});
    expect(reply.ok ? 'ok' : reply.error.code).toBe('bad-response');
    const { ipc: raw } = fakeIpc(() => 'not an envelope');
    const second = await createCohabitBridge(raw).call('machine:info', {});
    expect(second.ok ? 'ok' : second.error.code).toBe('bad-response');
  });

  it('reports a failed invoke (no handler, uncloneable request) as an error value', async () => {
    const { ipc } = fakeIpc(() => {
      throw new Error("No handler registered for 'machine:info'");
    });
    ipc.invoke = () => Promise.reject(new Error("No handler registered for 'machine:info'"));
    const reply = await createCohabitBridge(ipc).call('machine:info', {});
    expect(reply).toEqual({
      ok: false,
      error: {
        code: 'ipc-failed',
        message: "machine:info: No handler registered for 'machine:info'",
      },
    });
  });
});

describe('the preload bridge: events', () => {
  it('delivers parsed payloads of the subscribed channel only, until unsubscribed', () => {
    const { ipc, send, emitter } = fakeIpc(() => null);
    const bridge = createCohabitBridge(ipc);
    const seen: unknown[] = [];
    const unsubscribe = bridge.subscribe('machine:changed', (p) => seen.push(p));
    send('machine:changed', DEMO_INFO);
    send('apply:progress', { step: 1 });
    expect(seen).toEqual([DEMO_INFO]);
    unsubscribe();
    unsubscribe();
    send('machine:changed', DEMO_INFO);
    expect(seen).toHaveLength(1);
    expect(emitter.listenerCount('event')).toBe(0);
  });

  it('drops a malformed payload instead of handing it to the page', () => {
    const { ipc, send } = fakeIpc(() => null);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const seen: unknown[] = [];
    createCohabitBridge(ipc).subscribe('machine:changed', (p) => seen.push(p));
    send('machine:changed', { source: 'demo' });
    expect(seen).toEqual([]);
    expect(error).toHaveBeenCalled();
    error.mockRestore();
  });

  it('refuses an event channel the contract does not have', () => {
    const { ipc } = fakeIpc(() => null);
    expect(() => createCohabitBridge(ipc).subscribe('machine:nope', () => undefined)).toThrow(
      /unknown-channel/,
    );
  });
});
