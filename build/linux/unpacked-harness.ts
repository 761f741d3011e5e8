// electron-builder's unpacked Linux layout (`--dir`, what the AppImage and the .deb are made of),
// built here against a stand-in Electron distribution (`electronDist`): the real runtime comes
// from outside the npm registry. The stand-in's `electron` is a shell script that prints its
// arguments and carries, after its last command, a copy of the fuse wire Electron's build writes
// into the binary (STAND_IN_FUSE_WIRE), so electron-builder's `electronFuses` flips real bytes
// that @electron/fuses then reads back. What is not built: the AppImage and .deb files
// themselves (they need the real runtime and, for the AppImage, appimagetool, both downloads),
// and nothing here runs the real Electron or proves that it honours the fuses.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPackage } from '@electron/asar';
import { SENTINEL } from '@electron/fuses/dist/constants';

/**
 * The fuses as Electron's build/fuses/fuses.json5 declares them (electron/electron@d3d9e919a8b9),
 * one '0' (off) or '1' (on) each, in @electron/fuses' order: runAsNode 1, cookieEncryption 0,
 * nodeOptions 1, nodeCliInspect 1, embeddedAsarIntegrityValidation 0, onlyLoadAppFromAsar 0,
 * loadBrowserProcessSpecificV8Snapshot 0, grantFileProtocolExtraPrivileges 1.
 */
export const STAND_IN_FUSE_WIRE = '10110001';

/** The wire as it sits in the binary: sentinel, schema version 1, length, the fuses. */
function fuseWireBytes(): Buffer {
  return Buffer.concat([
    Buffer.from(SENTINEL, 'latin1'),
    Buffer.from([1, STAND_IN_FUSE_WIRE.length]),
    Buffer.from(STAND_IN_FUSE_WIRE, 'latin1'),
  ]);
}

export const ARCHES = { x64: 'linux-unpacked', arm64: 'linux-arm64-unpacked' } as const;

async function fakeElectronDist(dir: string, electronVersion: string): Promise<void> {
  await mkdir(join(dir, 'resources'), { recursive: true });
  await mkdir(join(dir, 'locales'), { recursive: true });
  const electron = join(dir, 'electron');
  // sh never reads past `exit`, so the wire's bytes after it are inert.
  await writeFile(
    electron,
    Buffer.concat([
      Buffer.from(`#!/bin/sh\nprintf '%s\\n' "$@"\nexit 0\n# `, 'utf8'),
      fuseWireBytes(),
      Buffer.from('\n'),
    ]),
  );
  await chmod(electron, 0o755);
  await writeFile(join(dir, 'version'), `${electronVersion}\n`);
  for (const file of ['LICENSE', 'LICENSES.chromium.html', 'chrome-sandbox'])
    await writeFile(join(dir, file), '');
  // A real (tiny) archive: electron-builder reads the header of every .asar in resources/ when it
  // computes the integrity hashes, before it drops this one.
  const defaultApp = join(dir, 'default-app-source');
  await mkdir(defaultApp);
  await writeFile(join(defaultApp, 'main.js'), '');
  await createPackage(defaultApp, join(dir, 'resources/default_app.asar'));
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
