// Which links may leave the app for the user's browser: https only, and only to the documentation
// sites the UI cites. Anything else (file:, smb:, custom handlers, plain http) is never opened.

/** Origins of the NixOS, OpenZFS, VFIO and kernel documentation that the UI links to. */
export const EXTERNAL_LINK_ORIGINS: readonly string[] = [
  'https://nixos.org',
  'https://search.nixos.org',
  'https://wiki.nixos.org',
  'https://nixos.wiki',
  'https://openzfs.github.io',
  'https://wiki.archlinux.org',
  'https://docs.kernel.org',
  'https://libvirt.org',
];

export function isAllowedExternalLink(
  url: string,
  origins: readonly string[] = EXTERNAL_LINK_ORIGINS,
): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username !== '' || parsed.password !== '') {
    return false;
  }
  return origins.includes(parsed.origin);
}

export type OpenExternal = (url: string) => Promise<void>;

/** Opens an allowed link in the user's browser; returns whether it did. */
export function openAllowedExternalLink(url: string, openExternal: OpenExternal): boolean {
  if (!isAllowedExternalLink(url)) return false;
  openExternal(url).catch((error: unknown) => {
    console.error(`cohabit: could not open ${url} in the browser:`, error);
  });
  return true;
}
