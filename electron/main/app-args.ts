// Which machine the app opens on, from its command line: `--demo`, `--host-snapshot FILE`, or
// this machine. Electron and Chromium add switches of their own, so unknown arguments are ignored.
import { resolve } from 'node:path';
import type { BackendSource } from '../backend/backend';

export class AppArgsError extends Error {
  override readonly name = 'AppArgsError';
}

export function parseAppArgs(argv: readonly string[], cwd: string): BackendSource {
  let demo = false;
  let snapshot: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--demo') demo = true;
    else if (arg === '--host-snapshot') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new AppArgsError('--host-snapshot needs a file: --host-snapshot host.json');
      }
      snapshot = next;
      i++;
    } else if (arg.startsWith('--host-snapshot=')) {
      snapshot = arg.slice('--host-snapshot='.length);
      if (snapshot === '')
        throw new AppArgsError('--host-snapshot needs a file: --host-snapshot=host.json');
    }
  }
  if (demo && snapshot !== undefined) {
    throw new AppArgsError('Choose either --demo or --host-snapshot, not both.');
  }
  if (demo) return { kind: 'demo' };
  // A second instance or a desktop launcher may run from another directory: fix the path now.
  if (snapshot !== undefined) return { kind: 'snapshot', path: resolve(cwd, snapshot) };
  return { kind: 'local' };
}
