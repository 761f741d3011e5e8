import { EventEmitter } from 'node:events';
import type { App } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { isAppUrl } from '../app-protocol';
import { FakeWebContents } from './fake-web-contents';
import { secureApp } from './index';

describe('secureApp', () => {
  it('applies the navigation, window-open and webview rules to every web contents created later', () => {
    const app = new EventEmitter();
    const openExternal = vi.fn(() => Promise.resolve());
    secureApp(app as unknown as App, { isAppUrl, openExternal });
    const contents = new FakeWebContents();
    app.emit('web-contents-created', {}, contents);
    expect(contents.navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.navigate('will-attach-webview', 'about:blank')).toBe(true);
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({
      action: 'deny',
    });
    expect(contents.navigate('will-navigate', 'cohabit://app/index.html')).toBe(false);
  });
});
