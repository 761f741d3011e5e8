// The launch file that carries browser mode's URL to the browser instead of argv.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLaunchFile } from './open-browser';

const dir = mkdtempSync(join(tmpdir(), 'cohabit-launch-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeLaunchFile', () => {
  it('writes a 0600 page in a private runtime directory that forwards to the URL', () => {
    const runtime = join(dir, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const url = 'http://127.0.0.1:4000/?token=abc_DEF-123';
    const launch = writeLaunchFile(url, { XDG_RUNTIME_DIR: runtime });
    expect(launch.path.startsWith(join(runtime, 'cohabit') + '/')).toBe(true);
    expect(fileURLToPath(launch.url)).toBe(launch.path);
    expect(launch.url).not.toContain('token');
    expect(statSync(launch.path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(launch.path)).mode & 0o777).toBe(0o700);
    const html = readFileSync(launch.path, 'utf8');
    expect(html).toContain(`<meta http-equiv="refresh" content="0;url=${url}">`);
    launch.remove();
    expect(() => statSync(launch.path)).toThrow();
  });

  it('does not use a runtime directory others can write, and escapes the URL for HTML', () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const launch = writeLaunchFile('http://127.0.0.1:1/?a="><script>x</script>&b', {
      XDG_RUNTIME_DIR: shared,
    });
    try {
      expect(launch.path.startsWith(shared)).toBe(false);
      expect(statSync(dirname(launch.path)).mode & 0o777).toBe(0o700);
      const html = readFileSync(launch.path, 'utf8');
      expect(html).not.toContain('<script>');
      expect(html).toContain('&quot;&gt;&lt;script&gt;x&lt;/script&gt;&amp;b');
    } finally {
      launch.remove();
    }
    // The directory made for it goes with it.
    expect(() => statSync(dirname(launch.path))).toThrow();
  });
});
