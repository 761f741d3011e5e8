import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const created: FakeBrowserWindow[] = [];

class FakeBrowserWindow extends EventEmitter {
  shown = false;
  loaded: string[] = [];
  constructor(readonly options: Record<string, unknown>) {
    super();
    created.push(this);
  }
  show() {
    this.shown = true;
  }
  loadURL(url: string) {
    this.loaded.push(url);
    return Promise.resolve();
  }
}

vi.mock('electron', () => ({
  BrowserWindow: FakeBrowserWindow,
  nativeTheme: { shouldUseDarkColors: true },
}));

const { createMainWindow } = await import('./main-window');

describe('the main window', () => {
  beforeEach(() => {
    created.length = 0;
  });

  it('loads the app origin hidden and shows itself when ready, over a dark background in dark mode', () => {
    const window = createMainWindow('/x/preload.cjs') as unknown as FakeBrowserWindow;
    expect(created).toHaveLength(1);
    expect(window.options).toMatchObject({
      show: false,
      backgroundColor: '#17191c',
      title: 'Cohabit',
    });
    // The window's own preferences, each security value written out: a window built with other
    // values (or without the preload) must fail here.
    expect(window.options.webPreferences).toEqual({
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
      disableBlinkFeatures: 'Auxclick',
      preload: '/x/preload.cjs',
    });
    expect(window.loaded).toEqual(['cohabit://app/index.html']);
    expect(window.shown).toBe(false);
    window.emit('ready-to-show');
    expect(window.shown).toBe(true);
  });
});
