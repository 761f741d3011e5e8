import { describe, expect, it, vi } from 'vitest';
import { isAppUrl } from '../app-protocol';
import { FakeWebContents } from './fake-web-contents';
import { blockForeignNavigation } from './navigation';

function setup() {
  const contents = new FakeWebContents();
  const openExternal = vi.fn(() => Promise.resolve());
  blockForeignNavigation(contents.asWebContents, isAppUrl, openExternal);
  return { contents, openExternal };
}

describe('navigation', () => {
  it('lets the app move within its own origin', () => {
    const { contents } = setup();
    expect(contents.navigate('will-navigate', 'cohabit://app/index.html#plan')).toBe(false);
    expect(contents.navigate('will-redirect', 'cohabit://app/index.html')).toBe(false);
  });

  it('stops navigations and redirects to any other origin', () => {
    const { contents, openExternal } = setup();
    for (const name of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      expect(contents.navigate(name, 'https://evil.example/'), name).toBe(true);
      expect(contents.navigate(name, 'file:///etc/passwd'), name).toBe(true);
      expect(contents.navigate(name, 'cohabit://other/index.html'), name).toBe(true);
    }
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('opens an allowed documentation link in the browser instead of in the window', () => {
    const { contents, openExternal } = setup();
    expect(contents.navigate('will-navigate', 'https://nixos.org/manual/nixos/stable/')).toBe(true);
    expect(openExternal).toHaveBeenCalledWith('https://nixos.org/manual/nixos/stable/');
  });
});
