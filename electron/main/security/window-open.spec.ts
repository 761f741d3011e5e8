import { describe, expect, it, vi } from 'vitest';
import { FakeWebContents } from './fake-web-contents';
import { denyWindowOpen } from './window-open';

describe('window.open', () => {
  it('never opens a window, and sends only allowed https links to the browser', () => {
    const contents = new FakeWebContents();
    const openExternal = vi.fn(() => Promise.resolve());
    denyWindowOpen(contents.asWebContents, openExternal);
    const open = (url: string) => contents.windowOpenHandler?.({ url });
    expect(open('https://wiki.archlinux.org/title/PCI_passthrough_via_OVMF')).toEqual({
      action: 'deny',
    });
    expect(open('cohabit://app/index.html')).toEqual({ action: 'deny' });
    expect(open('http://nixos.org/')).toEqual({ action: 'deny' });
    expect(open('file:///home/user/.ssh/id_ed25519')).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([
      ['https://wiki.archlinux.org/title/PCI_passthrough_via_OVMF'],
    ]);
  });
});
