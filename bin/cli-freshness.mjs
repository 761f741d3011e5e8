// Whether dist/cli.mjs was built from the sources as they are now, so a checkout's `cohabit` can
// start from the bundle (about 0.2 s) instead of transpiling every source through tsx (about
// 1.2 s) without ever running a stale bundle.
//
// The build records every file the bundle was made from (each module rolldown read, the build
// configuration and tsconfig.json) with its size, modification time and SHA-256, and the bundle's
// own size and modification time (build/cli-sources-plugin.ts). The bundle is fresh when every
// recorded file still has its size and either its modification time or, when that moved (a
// checkout, a `touch`, an editor's save without change), its SHA-256. A new file cannot change the
// bundle unless a recorded file imports it, which changes that file. Anything missing or
// unreadable counts as stale.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const MANIFEST = 'dist/cli.sources.json';
export const BUNDLE = 'dist/cli.mjs';
const FORMAT = 'cohabit-cli-sources/1';

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** What the build records for `files` (paths relative to `root`) and the bundle it wrote. */
export function recordSources(root, files, bundlePath) {
  const record = {};
  for (const file of [...new Set(files)].sort()) {
    const stat = statSync(join(root, file));
    record[file] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: sha256(join(root, file)) };
  }
  const bundle = statSync(bundlePath);
  return {
    format: FORMAT,
    bundle: { size: bundle.size, mtimeMs: bundle.mtimeMs },
    files: record,
  };
}

/** True only when the bundle under `root` is the build of the sources as they are now. */
export function bundleIsFresh(root) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, MANIFEST), 'utf8'));
    const bundle = statSync(join(root, BUNDLE));
    if (manifest.format !== FORMAT) return false;
    if (bundle.size !== manifest.bundle.size || bundle.mtimeMs !== manifest.bundle.mtimeMs)
      return false;
    const files = Object.entries(manifest.files);
    if (files.length === 0) return false;
    for (const [file, recorded] of files) {
      const path = join(root, file);
      const stat = statSync(path);
      if (stat.size !== recorded.size) return false;
      if (stat.mtimeMs !== recorded.mtimeMs && sha256(path) !== recorded.sha256) return false;
    }
    return true;
  } catch {
    return false;
  }
}
