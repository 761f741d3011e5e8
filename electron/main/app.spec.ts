// The Electron main process with electron mocked: what starting, relaunching and quitting do.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Mock } from 'vitest';
import { CALL_CHANNELS } from '../../shared/api/contract';
import type * as BackendModule from '../backend/backend';
import type { Backend } from '../backend/backend';

const electron = await vi.hoisted(async () => {
  // vi.hoisted runs before the imports, so it loads what it needs itself.
  const { EventEmitter: Emitter } = await import('node:events');
  class FakeWindow extends Emitter {
    static created: FakeWindow[] = [];
    webContents = Object.assign(new Emitter(), {
      setWindowOpenHandler: () => undefined,
      send: () => undefined,
      isDestroyed: () => false,
    });
    focused = 0;
    restored = 0;
    constructor(readonly options: unknown) {
      super();
      FakeWindow.created.push(this);
    }
    loadURL() {
      return Promise.resolve();
    }
    show() {}
    focus() {
      this.focused++;
    }
    isMinimized() {
      return true;
    }
    restore() {
      this.restored++;
    }
    isDestroyed() {
      return false;
    }
    closed = 0;
    close() {
      // As Electron does: 'close' can be prevented, and the window stays.
      let prevented = false;
      this.emit('close', { preventDefault: () => (prevented = true) });
      if (!prevented) this.closed++;
    }
  }
  const app = Object.assign(new Emitter(), {
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(),
    exit: vi.fn(),
    whenReady: vi.fn(() => Promise.resolve()),
  });
  const sessionProtocol = { handle: vi.fn() };
  return {
    FakeWindow,
    app,
    sessionProtocol,
    module: {
      app,
      BrowserWindow: FakeWindow,
      nativeTheme: { shouldUseDarkColors: false },
      dialog: {
        showErrorBox: vi.fn(),
        showMessageBox: vi.fn(() => Promise.resolve({ response: 0, checkboxChecked: false })),
        showMessageBoxSync: vi.fn(() => 0),
      },
      ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
      protocol: { registerSchemesAsPrivileged: vi.fn() },
      shell: { openExternal: vi.fn(() => Promise.resolve()) },
      session: {
        defaultSession: {
          protocol: sessionProtocol,
          webRequest: { onHeadersReceived: vi.fn() },
          setPermissionRequestHandler: vi.fn(),
          setPermissionCheckHandler: vi.fn(),
          setDevicePermissionHandler: vi.fn(),
        },
      },
    },
  };
});
vi.mock('electron', () => electron.module);

// The real backend, with each one the app creates kept here so its closing can be watched.
const backends = vi.hoisted(
  () =>
    [] as {
      backend: Backend;
      close: Mock<() => Promise<void>>;
      applying: Mock<() => boolean>;
    }[],
);
vi.mock('../backend/backend', async (importOriginal) => {
  const real = await importOriginal<typeof BackendModule>();
  return {
    ...real,
    createBackend: (...args: Parameters<typeof real.createBackend>) => {
      const backend = real.createBackend(...args);
      const close = vi.fn(() => backend.close());
      const applying = vi.fn(() => backend.applying());
      backends.push({ backend, close, applying });
      return { ...backend, close, applying };
    },
  };
});

const { startCohabit, bundlePaths } = await import('./app');
const options = {
  argv: ['/usr/bin/electron', '/opt/cohabit/dist/electron/main.cjs', '--demo'],
  cwd: '/home/u',
  mainDir: '/opt/cohabit/dist/electron',
};

function settle() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

beforeEach(() => {
  vi.clearAllMocks();
  electron.app.removeAllListeners();
  electron.FakeWindow.created.length = 0;
  backends.length = 0;
});

describe('starting the app', () => {
  it('finds the preload and the renderer next to the main bundle', () => {
    expect(bundlePaths('/opt/cohabit/dist/electron')).toEqual({
      preload: '/opt/cohabit/dist/electron/preload.cjs',
      renderer: '/opt/cohabit/dist/renderer',
    });
  });

  it('quits at once when another instance holds the lock, opening no window', async () => {
    electron.app.requestSingleInstanceLock.mockReturnValueOnce(false);
    expect(startCohabit(options)).toBe(false);
    await settle();
    expect(electron.app.quit).toHaveBeenCalled();
    expect(electron.FakeWindow.created).toHaveLength(0);
    expect(electron.module.ipcMain.handle).not.toHaveBeenCalled();
  });

  it('registers the scheme, serves the renderer, handles every call and opens one window', async () => {
    expect(startCohabit(options)).toBe(true);
    expect(electron.module.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      {
        scheme: 'cohabit',
        privileges: expect.objectContaining({ standard: true, secure: true }) as object,
      },
    ]);
    await settle();
    expect(electron.sessionProtocol.handle).toHaveBeenCalledWith('cohabit', expect.any(Function));
    const channels = electron.module.ipcMain.handle.mock.calls.map((c: unknown[]) => c[0]);
    expect(channels.sort()).toEqual([...CALL_CHANNELS].sort());
    expect(electron.FakeWindow.created).toHaveLength(1);
    expect(electron.module.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled();
    expect(electron.module.session.defaultSession.webRequest.onHeadersReceived).toHaveBeenCalled();
  });

  it('brings the existing window forward when the app is launched again', async () => {
    startCohabit(options);
    await settle();
    const window = electron.FakeWindow.created[0];
    electron.app.emit('second-instance', {}, ['/usr/bin/cohabit'], '/');
    expect(window?.restored).toBe(1);
    expect(window?.focused).toBe(1);
    expect(electron.FakeWindow.created).toHaveLength(1);
  });

  it('explains bad arguments in a dialog and exits', async () => {
    startCohabit({ ...options, argv: ['/usr/bin/cohabit', '--demo', '--host-snapshot', 'h.json'] });
    await settle();
    expect(electron.module.dialog.showErrorBox).toHaveBeenCalledWith(
      'Cohabit cannot start',
      'Choose either --demo or --host-snapshot, not both.',
    );
    expect(electron.app.exit).toHaveBeenCalledWith(2);
    expect(electron.FakeWindow.created).toHaveLength(0);
  });
});

describe('quitting the app', () => {
  const willQuit = () => {
    const event = { preventDefault: vi.fn() };
    electron.app.emit('will-quit', event);
    return event;
  };

  it('closes the backend (and its SSH connection) once, then quits', async () => {
    startCohabit(options);
    await settle();
    const [created] = backends;
    expect(backends).toHaveLength(1);
    expect(created?.close).not.toHaveBeenCalled();

    const first = willQuit();
    // Quitting waits for the backend: the app would otherwise end before ssh -O exit ran.
    expect(first.preventDefault).toHaveBeenCalled();
    expect(created?.close).toHaveBeenCalledTimes(1);
    await settle();
    expect(electron.app.quit).toHaveBeenCalledTimes(1);
    await expect(
      created?.backend.handlers['machine:inventory']({ refresh: true }),
    ).rejects.toMatchObject({ code: 'closed' });

    // The quit that follows goes through: nothing is closed twice, nothing holds the app.
    const second = willQuit();
    expect(second.preventDefault).not.toHaveBeenCalled();
    expect(created?.close).toHaveBeenCalledTimes(1);
    expect(electron.app.quit).toHaveBeenCalledTimes(1);
  });

  it('still quits when closing the backend fails', async () => {
    startCohabit(options);
    await settle();
    backends[0]?.close.mockRejectedValueOnce(new Error('ssh -O exit failed'));
    willQuit();
    await settle();
    expect(electron.app.quit).toHaveBeenCalledTimes(1);
  });

  it('asks before closing the window while an apply runs; closes at once otherwise', async () => {
    startCohabit(options);
    await settle();
    await settle();
    const [window] = electron.FakeWindow.created;
    const [created] = backends;
    if (window === undefined || created === undefined) throw new Error('no window');
    const ask = electron.module.dialog.showMessageBox;

    created.applying.mockReturnValue(true);
    window.close();
    await settle();
    expect(ask).toHaveBeenCalledTimes(1);
    expect(ask.mock.calls[0]).toEqual([
      window,
      expect.objectContaining({
        buttons: ['Keep Cohabit open', 'Cancel the apply and quit'],
        cancelId: 0,
      }),
    ]);
    // "Keep Cohabit open": nothing closes.
    expect(window.closed).toBe(0);

    ask.mockResolvedValueOnce({ response: 1, checkboxChecked: false });
    window.close();
    await settle();
    expect(window.closed).toBe(1);

    created.applying.mockReturnValue(false);
    startCohabit(options);
    await settle();
    await settle();
    const other = electron.FakeWindow.created[1];
    other?.close();
    expect(other?.closed).toBe(1);
    expect(ask).toHaveBeenCalledTimes(2);
  });

  it('asks before leaving a page that holds a layout change not yet kept', async () => {
    startCohabit(options);
    await settle();
    await settle();
    const [window] = electron.FakeWindow.created;
    if (window === undefined) throw new Error('no window');
    const ask = electron.module.dialog.showMessageBoxSync;
    let left = 0;
    const unload = { preventDefault: () => left++ };

    window.webContents.emit('will-prevent-unload', unload);
    expect(ask).toHaveBeenCalledWith(
      window,
      expect.objectContaining({ buttons: ['Stay', 'Leave and lose it'], cancelId: 0 }),
    );
    expect(left).toBe(0);

    ask.mockReturnValueOnce(1);
    window.webContents.emit('will-prevent-unload', unload);
    expect(left).toBe(1);
  });
});
