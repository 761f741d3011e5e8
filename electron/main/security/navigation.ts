// The window never navigates away from the app's origin: a link or redirect elsewhere is stopped,
// and an allowed documentation link opens in the user's browser instead.
import type { WebContents } from 'electron';
import { openAllowedExternalLink } from './external-links';
import type { OpenExternal } from './external-links';

export function blockForeignNavigation(
  contents: WebContents,
  isAppUrl: (url: string) => boolean,
  openExternal: OpenExternal,
): void {
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    openAllowedExternalLink(url, openExternal);
  };
  contents.on('will-navigate', (event) => guard(event, event.url));
  contents.on('will-redirect', (event) => guard(event, event.url));
  contents.on('will-frame-navigate', (event) => guard(event, event.url));
}
