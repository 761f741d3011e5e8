// No <webview>: webviewTag is off in the window's preferences, and an attach attempt is stopped
// here as well, so a setting changed by mistake cannot bring one back.
import type { WebContents } from 'electron';

export function preventWebviews(contents: WebContents): void {
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
}
