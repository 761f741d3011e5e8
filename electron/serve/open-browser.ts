// Opens the browser-mode URL with the desktop's handler. An argv, never a shell; a machine without
// xdg-open (a headless server) simply does not open anything, since the URL is printed anyway.
import { spawn } from 'node:child_process';

export function openInBrowser(url: string, command = 'xdg-open'): void {
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true, shell: false });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // Nothing to do: the URL is on the terminal.
  }
}
