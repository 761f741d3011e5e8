// Browser mode's token: taken from the URL `cohabit serve` printed, kept in sessionStorage for this
// tab and removed from the address bar so it does not end up in screenshots or shared links.

export const TOKEN_STORAGE_KEY = 'cohabit.token';

export interface TokenEnvironment {
  location: { href: string };
  history: { replaceState(data: unknown, unused: string, url?: string | URL | null): void };
  storage: Pick<Storage, 'getItem' | 'setItem'>;
}

export function takeBrowserToken(env: TokenEnvironment): string | null {
  const url = new URL(env.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null && fromUrl !== '') {
    env.storage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    env.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  // After a reload the token is gone from the URL; the tab's storage has it (there is no cookie:
  // cookies are not port-scoped, so every other listener on 127.0.0.1 would receive it).
  return env.storage.getItem(TOKEN_STORAGE_KEY);
}
