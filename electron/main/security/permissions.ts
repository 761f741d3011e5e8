// Web permissions: the app needs none (no camera, notifications, USB, HID, serial...), except
// writing text to the clipboard for the copy buttons of the plan view, and only from our own pages.
import type { Session } from 'electron';

const CLIPBOARD_WRITE = 'clipboard-sanitized-write';

export function denyPermissions(session: Session, isAppUrl: (url: string) => boolean): void {
  session.setPermissionRequestHandler((contents, permission, callback) => {
    callback(permission === CLIPBOARD_WRITE && isAppUrl(contents.getURL()));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => {
    return permission === CLIPBOARD_WRITE && isAppUrl(requestingOrigin);
  });
  // Device pickers (WebUSB, WebHID, Web Serial, Bluetooth) are never offered.
  session.setDevicePermissionHandler(() => false);
}
