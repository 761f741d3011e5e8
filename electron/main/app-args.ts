// Which machine the app opens on, from its command line: `--demo [NAME]`, `--host-snapshot FILE`, or
// this machine. Electron and Chromium add switches of their own, so unknown arguments are ignored.
import { resolve } from 'node:path';
import type { BackendSource } from '../backend/backend';
import { DEMO_MACHINES } from '../host/demo-machines';

export class AppArgsError extends Error {
  override readonly name = 'AppArgsError';
}

export function parseAppArgs(argv: readonly string[], cwd: string): BackendSource {
  let demo = false;
  let demoName: string | undefined;
  let snapshot: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--demo') {
      demo = true;
      // An optional name follows: one of the shipped demo machines, else not ours to take.
      const next = argv[i + 1];
      if (next !== undefined && DEMO_MACHINES.some((d) => d.name === next)) {
        demoName = next;
        i++;
      }
    } else if (arg.startsWith('--demo=')) {
      demo = true;
      demoName = arg.slice('--demo='.length);
      if (!DEMO_MACHINES.some((d) => d.name === demoName))
        throw new AppArgsError(
          `There is no demo machine "${demoName}": ${DEMO_MACHINES.map((d) => d.name).join(', ')}.`,
        );
    } else if (arg === '--host-snapshot') {
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
  if (demo) return demoName === undefined ? { kind: 'demo' } : { kind: 'demo', name: demoName };
  // A second instance or a desktop launcher may run from another directory: fix the path now.
  if (snapshot !== undefined) return { kind: 'snapshot', path: resolve(cwd, snapshot) };
  return { kind: 'local' };
}
