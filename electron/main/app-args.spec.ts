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

  it('opens a named demo machine with --demo NAME or --demo=NAME, and refuses an unknown one', () => {
    expect(parseAppArgs(['--demo', 'twin-gpu', '--no-sandbox'], '/home/u')).toEqual({
      kind: 'demo',
      name: 'twin-gpu',
    });
    expect(parseAppArgs(['--demo=workstation-2511'], '/home/u')).toEqual({
      kind: 'demo',
      name: 'workstation-2511',
    });
    // Not a demo name: an argument of someone else's, left alone.
    expect(parseAppArgs(['--demo', 'main.cjs'], '/home/u')).toEqual({ kind: 'demo' });
    expect(() => parseAppArgs(['--demo=nope'], '/home/u')).toThrow(AppArgsError);
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
