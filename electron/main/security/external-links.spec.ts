import { describe, expect, it, vi } from 'vitest';
import { isAllowedExternalLink, openAllowedExternalLink } from './external-links';

describe('external links', () => {
  it('allows https links to the documentation the UI cites', () => {
    expect(isAllowedExternalLink('https://wiki.archlinux.org/title/PCI_passthrough_via_OVMF')).toBe(
      true,
    );
    expect(isAllowedExternalLink('https://openzfs.github.io/openzfs-docs/')).toBe(true);
    expect(isAllowedExternalLink('https://search.nixos.org/options?query=boot.zfs')).toBe(true);
  });

  it('refuses other schemes, plain http, other hosts and look-alikes', () => {
    for (const url of [
      'http://nixos.org/',
      'file:///etc/shadow',
      'smb://server/share',
      'javascript:alert(1)',
      'https://nixos.org.evil.example/',
      'https://evil.example/?https://nixos.org',
      'https://user:pass@nixos.org/',
      'https://nixos.org:8443/',
      'not a url',
    ]) {
      expect(isAllowedExternalLink(url), url).toBe(false);
    }
  });

  it('hands only allowed links to the browser', () => {
    const openExternal = vi.fn(() => Promise.resolve());
    expect(openAllowedExternalLink('https://nixos.org/manual/', openExternal)).toBe(true);
    expect(openAllowedExternalLink('file:///etc/passwd', openExternal)).toBe(false);
    expect(openExternal.mock.calls).toEqual([['https://nixos.org/manual/']]);
  });
});
