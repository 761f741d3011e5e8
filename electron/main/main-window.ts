// The one app window: its locked-down web preferences, no white flash while it loads, and the
// app's entry page from the cohabit:// origin.
import { BrowserWindow, nativeTheme } from 'electron';
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import { APP_ENTRY_URL } from './app-protocol';

export function mainWebPreferences(preloadPath: string): WebPreferences {
  return {
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    preload: preloadPath,
  };
}

export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    title: 'Cohabit',
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 600,
    // Shown on ready-to-show, over a background of the theme's colour, so nothing flashes white.
    show: false,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#17191c' : '#ffffff',
    autoHideMenuBar: true,
    webPreferences: mainWebPreferences(preloadPath),
  };
}

export function createMainWindow(preloadPath: string): BrowserWindow {
  const window = new BrowserWindow(mainWindowOptions(preloadPath));
  window.once('ready-to-show', () => window.show());
  window.loadURL(APP_ENTRY_URL).catch((error: unknown) => {
    console.error('cohabit: the app page did not load:', error);
  });
  return window;
}

/** Brings the window to the front, for a second launch of the app. */
export function focusWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
