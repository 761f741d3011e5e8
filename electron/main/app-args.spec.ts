import { describe, expect, it } from 'vitest';
import { AppArgsError, parseAppArgs } from './app-args';

describe('parseAppArgs', () => {
  it('opens this machine by default, whatever Chromium switches come along', () => {
    expect(
      parseAppArgs(
        ['dist/electron/main.cjs', '--no-sandbox', '--ozone-platform=wayland'],
        '/home/u',
      ),
    ).toEqual({ kind: 'local' });
  });

  it('opens the demo machine with --demo', () => {
    expect(parseAppArgs(['dist/electron/main.cjs', '--demo'], '/home/u')).toEqual({ kind: 'demo' });
  });

  it('replays a snapshot, resolved against the directory the app was started from', () => {
    expect(parseAppArgs(['--host-snapshot', 'host.json'], '/home/u')).toEqual({
      kind: 'snapshot',
      path: '/home/u/host.json',
    });
    expect(parseAppArgs(['--host-snapshot=/tmp/h.json'], '/home/u')).toEqual({
      kind: 'snapshot',
      path: '/tmp/h.json',
    });
  });

  it('refuses --demo with --host-snapshot, and --host-snapshot without a file', () => {
    expect(() => parseAppArgs(['--demo', '--host-snapshot', 'h.json'], '/')).toThrow(AppArgsError);
    expect(() => parseAppArgs(['--host-snapshot'], '/')).toThrow(/needs a file/);
    expect(() => parseAppArgs(['--host-snapshot', '--demo'], '/')).toThrow(/needs a file/);
    expect(() => parseAppArgs(['--host-snapshot='], '/')).toThrow(/needs a file/);
  });
});
