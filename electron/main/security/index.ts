// Applies every window-security rule: per session (CSP, permissions) and per web contents
// (navigation, window-open, webviews), the latter for every web contents the app ever creates.
import type { App, Session, WebContents } from 'electron';
import { installContentSecurityPolicy } from './csp';
import type { OpenExternal } from './external-links';
import { blockForeignNavigation } from './navigation';
import { denyPermissions } from './permissions';
import { preventWebviews } from './webview';
import { denyWindowOpen } from './window-open';

export interface SecurityOptions {
  isAppUrl: (url: string) => boolean;
  openExternal: OpenExternal;
}

export function secureSession(session: Session, options: SecurityOptions): void {
  installContentSecurityPolicy(session);
  denyPermissions(session, options.isAppUrl);
}

export function secureWebContents(contents: WebContents, options: SecurityOptions): void {
  blockForeignNavigation(contents, options.isAppUrl, options.openExternal);
  denyWindowOpen(contents, options.openExternal);
  preventWebviews(contents);
}

/** Call before the first window: later web contents (devtools, popups) get the rules too. */
export function secureApp(app: App, options: SecurityOptions): void {
  app.on('web-contents-created', (_event, contents) => secureWebContents(contents, options));
}
