// Starts the desktop app: one instance, the cohabit:// scheme serving the built renderer, the
// window-security rules, the IPC handlers over the backend, and one window.
import { join } from 'node:path';
import { app, dialog, ipcMain, protocol, session, shell } from 'electron';
import type { BrowserWindow } from 'electron';
import { errorMessage } from '../../shared/model/errors';
import { createBackend } from '../backend/backend';
import { openAppLog } from '../log/app-log';
import { parseAppArgs } from './app-args';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, isAppUrl, serveAppRequest } from './app-protocol';
import { confirmLeaveWithUnkeptChange } from './confirm-leave';
import { forwardEvents, isTrustedSender, registerIpcHandlers } from './ipc';
import { createMainWindow, focusWindow } from './main-window';
import { secureApp, secureSession } from './security/index';
import type { SecurityOptions } from './security/index';

/** Where the bundles sit: dist/electron/{main,preload}.cjs next to dist/renderer/. */
export function bundlePaths(mainDir: string): { preload: string; renderer: string } {
  return { preload: join(mainDir, 'preload.cjs'), renderer: join(mainDir, '..', 'renderer') };
}

export interface StartOptions {
  /** process.argv; the switches are read wherever they sit among Electron's own. */
  argv: readonly string[];
  cwd: string;
  /** The directory of the main bundle. */
  mainDir: string;
}

/** Returns false when another instance already runs (it gets focused and this one quits). */
export function startCohabit(options: StartOptions): boolean {
  // Before ready, as Electron requires: our scheme is a standard, secure origin.
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }

  let source;
  try {
    source = parseAppArgs(options.argv.slice(1), options.cwd);
  } catch (error) {
    dialog.showErrorBox('Cohabit cannot start', errorMessage(error));
    app.exit(2);
    return false;
  }

  const paths = bundlePaths(options.mainDir);
  // The desktop app runs as the user on their own machine, so it may always switch to it.
  const backend = createBackend(source, { allowLocal: true, log: openAppLog() });
  const security: SecurityOptions = { isAppUrl, openExternal: (url) => shell.openExternal(url) };
  secureApp(app, security);

  let window: BrowserWindow | null = null;
  app.on('second-instance', () => {
    if (window !== null && !window.isDestroyed()) focusWindow(window);
  });
  app.on('window-all-closed', () => app.quit());
  // The app owns its backend: quitting waits once for it to close, so the SSH master connection
  // of a remote machine shown (a process of its own) does not outlive the app, and an apply still
  // running is cancelled and rolled back before the app ends.
  let backendClosed = false;
  app.on('will-quit', (event) => {
    if (backendClosed) return;
    backendClosed = true;
    event.preventDefault();
    void backend
      .close()
      .catch(() => undefined)
      .then(() => app.quit());
  });

  app
    .whenReady()
    .then(() => {
      const ses = session.defaultSession;
      secureSession(ses, security);
      ses.protocol.handle(APP_SCHEME, (request) => serveAppRequest(paths.renderer, request));
      registerIpcHandlers(ipcMain, backend, (event) => isTrustedSender(event, window, isAppUrl));
      const created = createMainWindow(paths.preload);
      window = created;
      const stopEvents = forwardEvents(backend, created.webContents);
      confirmCloseWhileApplying(created, () => backend.applying());
      confirmLeaveWithUnkeptChange(created);
      created.on('closed', () => {
        stopEvents();
        window = null;
      });
    })
    .catch((error: unknown) => {
      dialog.showErrorBox('Cohabit cannot start', errorMessage(error));
      app.exit(1);
    });
  return true;
}

/**
 * Closing the window while an apply runs asks first: quitting cancels the apply, and the steps it
 * has done are rolled back before the app ends (the backend's close waits for that).
 */
export function confirmCloseWhileApplying(window: BrowserWindow, applying: () => boolean): void {
  let confirmed = false;
  window.on('close', (event) => {
    if (confirmed || !applying()) return;
    event.preventDefault();
    void dialog
      .showMessageBox(window, {
        type: 'warning',
        message: 'An apply is still running.',
        detail:
          'Quitting cancels it: Cohabit first rolls back the steps it has done, then closes. To let it finish, keep Cohabit open.',
        buttons: ['Keep Cohabit open', 'Cancel the apply and quit'],
        defaultId: 0,
        cancelId: 0,
        noLink: true,
      })
      .then(({ response }) => {
        if (response !== 1 || window.isDestroyed()) return;
        confirmed = true;
        window.close();
      })
      .catch(() => undefined);
  });
}
