// No new windows, ever: window.open and target=_blank are denied. An allowed documentation link
// (https, allow-listed origin) opens in the user's browser, where it has none of our privileges.
import type { WebContents } from 'electron';
import { openAllowedExternalLink } from './external-links';
import type { OpenExternal } from './external-links';

export function denyWindowOpen(contents: WebContents, openExternal: OpenExternal): void {
  contents.setWindowOpenHandler(({ url }) => {
    openAllowedExternalLink(url, openExternal);
    return { action: 'deny' };
  });
}
