// electron-builder's unpacked Linux layout (`--dir`, what the AppImage and the .deb are made of),
// built here against a stand-in Electron distribution (`electronDist`): the real runtime comes
// from outside the npm registry. The stand-in's `electron` behaves as Electron does under
// ELECTRON_RUN_AS_NODE=1 (it runs this machine's node) and otherwise prints its arguments. What is
// not built: the AppImage and .deb files themselves (they need the real runtime and, for the
// AppImage, appimagetool, both downloads), and nothing here runs the real Electron.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ARCHES = { x64: 'linux-unpacked', arm64: 'linux-arm64-unpacked' } as const;

async function fakeElectronDist(dir: string, electronVersion: string): Promise<void> {
  await mkdir(join(dir, 'resources'), { recursive: true });
  await mkdir(join(dir, 'locales'), { recursive: true });
  const electron = join(dir, 'electron');
  await writeFile(
    electron,
    `#!/bin/sh\nif [ "\${ELECTRON_RUN_AS_NODE:-}" = 1 ]; then exec ${process.execPath} "$@"; fi\nprintf '%s\\n' "$@"\n`,
  );
  await chmod(electron, 0o755);
  await writeFile(join(dir, 'version'), `${electronVersion}\n`);
  for (const file of [
    'LICENSE',
    'LICENSES.chromium.html',
    'chrome-sandbox',
    'resources/default_app.asar',
  ])
    await writeFile(join(dir, file), '');
}

/**
 * Runs electron-builder --dir for both arches in `project` (a built checkout); returns the
 * unpacked directories. Any download would go through an unreachable proxy and fail, and its
 * cache directory is returned so the caller can see it stayed empty.
 */
export async function buildUnpacked(
  project: string,
  work: string,
  electronVersion: string,
): Promise<{ dirs: Record<keyof typeof ARCHES, string>; cache: string; cacheEntries: string[] }> {
  const dist = join(work, 'fake-electron-dist');
  await fakeElectronDist(dist, electronVersion);
  const cache = join(work, 'electron-builder-cache');
  await mkdir(cache);
  const result = spawnSync(
    join(project, 'node_modules/.bin/electron-builder'),
    [
      '--dir',
      '--linux',
      '--x64',
      '--arm64',
      '-c',
      'build/electron-builder.yml',
      `-c.electronDist=${dist}`,
    ],
    {
      cwd: project,
      encoding: 'utf8',
      timeout: 240_000,
      env: {
        ...process.env,
        ELECTRON_BUILDER_CACHE: cache,
        ELECTRON_CACHE: cache,
        HTTPS_PROXY: 'http://127.0.0.1:9',
        HTTP_PROXY: 'http://127.0.0.1:9',
        https_proxy: 'http://127.0.0.1:9',
        http_proxy: 'http://127.0.0.1:9',
      },
    },
  );
  if (result.status !== 0)
    throw new Error(`electron-builder --dir failed:\n${result.stdout}\n${result.stderr}`);
  const release = join(project, 'release');
  return {
    dirs: { x64: join(release, ARCHES.x64), arm64: join(release, ARCHES.arm64) },
    cache,
    cacheEntries: await readdir(cache),
  };
}
