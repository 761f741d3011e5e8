// Opens the browser-mode URL with the desktop's handler without putting the token where another
// local user can read it. A process's argv and environment are world-readable in /proc, so
// `xdg-open http://127.0.0.1:PORT/?token=...` would hand the token to anyone on the machine (and
// so would the browser that xdg-open starts with that argument). Instead, as Jupyter does, the URL
// goes into an HTML file only this user can read, in a directory only this user can enter, and
// the browser is given that file's path; the page sends it on to the real URL.
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LaunchFile {
  /** The file:// URL given to the browser: a path, nothing secret. */
  url: string;
  path: string;
  /** Removes the file (and the directory made for it). */
  remove(): void;
}

function escapeHtmlAttribute(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

/**
 * A directory only this user can use: $XDG_RUNTIME_DIR (systemd makes it 0700 and owns it to the
 * user) when it checks out, else a fresh mkdtemp directory (0700) under the temp directory.
 */
function privateDirectory(env: NodeJS.ProcessEnv): { dir: string; made: boolean } {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && runtime.startsWith('/')) {
    try {
      const stat = lstatSync(runtime);
      const uid = process.getuid?.();
      if (stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0) {
        const dir = join(runtime, 'cohabit');
        mkdirSync(dir, { mode: 0o700, recursive: true });
        const own = lstatSync(dir);
        if (own.isDirectory() && own.uid === uid && (own.mode & 0o077) === 0)
          return { dir, made: false };
      }
    } catch {
      // Fall through to a directory of our own.
    }
  }
  return { dir: mkdtempSync(join(tmpdir(), 'cohabit-open-')), made: true };
}

/** Writes the launch file for `url` (0600, created exclusively, never through a link). */
export function writeLaunchFile(url: string, env: NodeJS.ProcessEnv = process.env): LaunchFile {
  const { dir, made } = privateDirectory(env);
  const path = join(dir, `open-${process.pid}-${Date.now().toString(36)}.html`);
  const href = escapeHtmlAttribute(url);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0;url=${href}">
<title>Opening Cohabit</title>
</head>
<body>
<p>Opening Cohabit. If nothing happens, <a href="${href}">open it here</a>.</p>
</body>
</html>
`;
  // 'wx' is O_CREAT|O_EXCL: a file or link planted at that name makes this fail instead of being
  // followed.
  writeFileSync(path, html, { mode: 0o600, flag: 'wx' });
  return {
    url: pathToFileURL(path).href,
    path,
    remove: () => rmSync(made ? dir : path, { recursive: made, force: true }),
  };
}

/**
 * Opens browser mode in the desktop's browser through a launch file. Returns the file so that the
 * caller removes it when the server stops (the browser may take seconds to read it), or null when
 * nothing could be opened (a headless server: the URL is on the terminal anyway).
 */
export function openInBrowser(
  url: string,
  command = 'xdg-open',
  env: NodeJS.ProcessEnv = process.env,
): LaunchFile | null {
  let launch: LaunchFile;
  try {
    launch = writeLaunchFile(url, env);
  } catch {
    return null;
  }
  try {
    const child = spawn(command, [launch.url], { stdio: 'ignore', detached: true, shell: false });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // Nothing to do: the URL is on the terminal.
  }
  return launch;
}
