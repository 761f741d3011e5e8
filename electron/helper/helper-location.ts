// Where this copy of Cohabit's root helper is installed. pkexec runs the helper only under the
// polkit action bound to its exact path, so the app must name the path its package put it at: read
// from the app's own package.json (the one beside the running bundle), never from PATH or the
// environment, which the unprivileged user controls.
//
// The packages write the field into the package.json they install (electron-builder through
// `extraMetadata`, the Nix package in its installPhase); a checkout's package.json has none, so a
// checkout has no installed helper (apply from it as root: `sudo cohabit apply`).
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package.json field, relative to the directory holding package.json. */
export const HELPER_FIELD = 'cohabitHelper';

/**
 * Both packages: the app in <resources>/app (Nix) or <resources>/app.asar (.deb; its command line
 * in app.asar.unpacked), the helper in <resources>/helper.
 */
export const PACKAGED_HELPER_RELATIVE = '../helper/cohabit-helper';

/** How many directories up from a bundle or source module the app's package.json may be. */
const MAX_DEPTH = 4;

export class HelperLocationError extends Error {
  override readonly name = 'HelperLocationError';
}

/**
 * The app directory: the nearest directory at or above `moduleDir` holding a package.json named
 * "cohabit" (dist/cli.mjs and dist/electron/main.cjs in a package; electron/helper/ in a checkout).
 */
export function findAppDir(moduleDir: string): { dir: string; manifest: Record<string, unknown> } {
  let dir = moduleDir;
  for (let i = 0; i <= MAX_DEPTH; i++) {
    let text: string | null = null;
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      text = null;
    }
    if (text !== null) {
      const manifest = JSON.parse(text) as unknown;
      if (
        typeof manifest === 'object' &&
        manifest !== null &&
        (manifest as { name?: unknown }).name === 'cohabit'
      )
        return { dir, manifest: manifest as Record<string, unknown> };
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new HelperLocationError(`no package.json of Cohabit at or above ${moduleDir}`);
}

/**
 * The absolute path of the installed helper, or null when this copy has none (a checkout). The
 * field must be a plain relative path that stays beside the app: a package.json is not a place to
 * point root at an arbitrary program.
 */
export function helperFromManifest(
  appDir: string,
  manifest: Record<string, unknown>,
): string | null {
  const field = manifest[HELPER_FIELD];
  if (field === undefined) return null;
  if (
    typeof field !== 'string' ||
    field === '' ||
    field.includes('\0') ||
    isAbsolute(field) ||
    !normalize(field).endsWith('/cohabit-helper')
  )
    throw new HelperLocationError(
      `${join(appDir, 'package.json')}: ${HELPER_FIELD} must be a relative path ending in /cohabit-helper`,
    );
  return resolve(appDir, field);
}

let cached: string | null | undefined;

/**
 * The helper of the running copy of Cohabit (see the file comment), or null in a checkout. Also
 * null inside a mounted AppImage (APPDIR, set by its runtime): the mount is the user's FUSE file
 * system, which root cannot read. The variable can only make this answer null, never another path.
 */
export function installedHelperPath(
  moduleUrl: string = import.meta.url,
  env: Record<string, string | undefined> = process.env,
): string | null {
  if (moduleUrl === import.meta.url && env === process.env && cached !== undefined) return cached;
  const { dir, manifest } = findAppDir(dirname(fileURLToPath(moduleUrl)));
  let path = helperFromManifest(dir, manifest);
  const appImage = env.APPDIR;
  if (path !== null && appImage && path.startsWith(`${resolve(appImage)}/`)) path = null;
  if (moduleUrl === import.meta.url && env === process.env) cached = path;
  return path;
}

/** What the app and the CLI say when this copy has no helper to run through pkexec or sudo. */
export const NO_HELPER_MESSAGE =
  'This copy of Cohabit has no installed root helper (it runs from a source checkout or an AppImage, which root cannot run from), so it cannot ask for root itself; nothing was changed. Install the Nix or .deb package, or run `sudo cohabit apply` from a terminal (it applies in-process as root).';

/** The helper to start, or what to tell the user instead (none here, or a broken package.json). */
export function locateHelper(): { path: string } | { problem: string } {
  try {
    const path = installedHelperPath();
    return path === null ? { problem: NO_HELPER_MESSAGE } : { path };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      problem: `Cannot tell where this copy's root helper is (${reason}); nothing was changed. Reinstall Cohabit, or run \`sudo cohabit apply\` from a terminal.`,
    };
  }
}
