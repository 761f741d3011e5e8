// The one app window: its locked-down web preferences, no white flash while it loads, and the
// app's entry page from the cohabit:// origin.
import { BrowserWindow, nativeTheme } from 'electron';
import { APP_ENTRY_URL } from './app-protocol';

/**
 * The window, its options written out in the constructor call itself: Electronegativity
 * (`npm run lint`, test/lint/electronegativity.ts) reads the literal passed to `new BrowserWindow`
 * and cannot follow a helper function, so that is where the security values must stand.
 */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    title: 'Cohabit',
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 600,
    // Shown on ready-to-show, over a background of the theme's colour, so nothing flashes white.
    show: false,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#17191c' : '#ffffff',
    autoHideMenuBar: true,
    webPreferences: {
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
      // No auxclick event: a middle click on a link cannot start a navigation or a new window
      // that bypasses the click handlers (Electronegativity AUXCLICK_JS_CHECK).
      disableBlinkFeatures: 'Auxclick',
      preload: preloadPath,
    },
  });
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
