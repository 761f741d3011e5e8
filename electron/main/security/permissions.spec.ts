import type { Session } from 'electron';
import { describe, expect, it } from 'vitest';
import { isAppUrl } from '../app-protocol';
import { denyPermissions } from './permissions';

type RequestHandler = (
  contents: { getURL(): string },
  permission: string,
  callback: (granted: boolean) => void,
) => void;
type CheckHandler = (contents: unknown, permission: string, origin: string) => boolean;

function setup() {
  const handlers: { request?: RequestHandler; check?: CheckHandler; device?: () => boolean } = {};
  const session = {
    setPermissionRequestHandler: (h: RequestHandler) => (handlers.request = h),
    setPermissionCheckHandler: (h: CheckHandler) => (handlers.check = h),
    setDevicePermissionHandler: (h: () => boolean) => (handlers.device = h),
  } as unknown as Session;
  denyPermissions(session, isAppUrl);
  const request = (permission: string, url = 'cohabit://app/index.html') => {
    let granted: boolean | undefined;
    handlers.request?.({ getURL: () => url }, permission, (g) => (granted = g));
    return granted;
  };
  const check = (permission: string, origin = 'cohabit://app') =>
    handlers.check?.(null, permission, origin);
  return { request, check, handlers };
}

describe('permissions', () => {
  it('denies every permission the page could ask for', () => {
    const { request, check } = setup();
    for (const p of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'usb',
      'hid',
      'serial',
      'openExternal',
      'fullscreen',
      'unknown',
    ]) {
      expect(request(p), p).toBe(false);
      expect(check(p), p).toBe(false);
    }
  });

  it('lets our own page write to the clipboard (the copy buttons), and nobody else', () => {
    const { request, check } = setup();
    expect(request('clipboard-sanitized-write')).toBe(true);
    expect(check('clipboard-sanitized-write')).toBe(true);
    expect(request('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(check('clipboard-sanitized-write', 'https://evil.example')).toBe(false);
  });

  it('never offers a device picker', () => {
    expect(setup().handlers.device?.()).toBe(false);
  });
});
