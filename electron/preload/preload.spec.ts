import { runInNewContext } from 'node:vm';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CohabitApi } from '../../shared/api/contract';

const electron = vi.hoisted(() => ({
  contextBridge: {
    exposeInMainWorld: vi.fn(),
    executeInMainWorld: vi.fn() as
      ((script: { func: (...a: unknown[]) => unknown; args?: unknown[] }) => unknown) | undefined,
  },
  ipcRenderer: {
    invoke: vi.fn(() =>
      Promise.resolve({
        ok: true,
        value: { source: 'demo', description: 'the demo machine', localAvailable: false },
      }),
    ),
    on: vi.fn(),
    removeListener: vi.fn(),
  },
}));
vi.mock('electron', () => electron);

beforeEach(() => {
  vi.resetModules();
  electron.contextBridge.exposeInMainWorld.mockClear();
  electron.contextBridge.executeInMainWorld = vi.fn();
});

describe('the preload', () => {
  it('defines exactly window.cohabit, with exactly call and on, in the page world', async () => {
    await import('./preload');
    const execute = vi.mocked(electron.contextBridge.executeInMainWorld);
    expect(execute).toHaveBeenCalledTimes(1);
    expect(electron.contextBridge.exposeInMainWorld).not.toHaveBeenCalled();
    const script = execute?.mock.calls[0]?.[0];
    // Run the page-world function the way Electron does: from its source, on the page's window.
    const page: { cohabit?: CohabitApi } = {};
    const func = runInNewContext(`(${String(script?.func)})`) as (...a: unknown[]) => void;
    func(...(script?.args ?? []), page);
    expect(Object.keys(page)).toEqual(['cohabit']);
    expect(Object.keys(page.cohabit ?? {}).sort()).toEqual(['call', 'on']);
    expect(await page.cohabit?.call('machine:info', {})).toMatchObject({ source: 'demo' });
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith('machine:info', {});
  });

  it('falls back to exposing exactly cohabit with call and on where executeInMainWorld is missing', async () => {
    electron.contextBridge.executeInMainWorld = undefined;
    await import('./preload');
    const calls = electron.contextBridge.exposeInMainWorld.mock.calls as [
      string,
      Record<string, unknown>,
    ][];
    expect(calls).toHaveLength(1);
    const [key, api] = calls[0] ?? ['', {}];
    expect(key).toBe('cohabit');
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);
    const failing = api as { call: (c: string, r: unknown) => Promise<unknown> };
    electron.ipcRenderer.invoke.mockResolvedValueOnce({
      ok: false,
      error: { code: 'forbidden', message: 'no' },
    } as never);
    await expect(failing.call('machine:select', { source: 'local' })).rejects.toThrow(
      'forbidden: no',
    );
  });
});
