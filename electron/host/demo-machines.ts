// The demo machines shipped with Cohabit, by name: each is a recorded snapshot beside this module
// (electron/host/demo/ in the checkout, demo/ beside a bundle), made by `npm run demo:record`.
import {
  DEFAULT_DEMO,
  DEMO_MACHINE_LIST,
  type DemoMachineInfo as ShippedDemo,
} from '../../shared/api/demo-machines';

export { DEFAULT_DEMO };

export interface DemoMachineInfo extends ShippedDemo {
  /** The snapshot's file name in the demo directory. */
  file: string;
}

const FILES: Readonly<Record<string, string>> = {
  // The default keeps the file name the app and the build have always shipped.
  workstation: 'demo-machine.snapshot.json',
  'twin-gpu': 'twin-gpu.snapshot.json',
  'workstation-2511': 'workstation-2511.snapshot.json',
};

export const DEMO_MACHINES: readonly DemoMachineInfo[] = DEMO_MACHINE_LIST.map((m) => ({
  ...m,
  file: FILES[m.name] ?? `${m.name}.snapshot.json`,
}));

/** The demo machine of that name; an unknown name is an error that lists the names. */
export function demoMachine(name: string = DEFAULT_DEMO): DemoMachineInfo {
  const found = DEMO_MACHINES.find((d) => d.name === name);
  if (found === undefined)
    throw new Error(
      `There is no demo machine "${name}". The demo machines are: ${DEMO_MACHINES.map((d) => d.name).join(', ')}.`,
    );
  return found;
}

/** Where a demo machine's snapshot lies, beside the module that reads it. */
export function demoSnapshotUrl(name: string = DEFAULT_DEMO): URL {
  return new URL(`./demo/${demoMachine(name).file}`, import.meta.url);
}

/** `cohabit inventory --demo list`: one line per demo machine, the default first. */
export function formatDemoList(): string {
  return `${DEMO_MACHINES.map((d) => `${d.name.padEnd(18)} ${d.description}${d.name === DEFAULT_DEMO ? ' (default)' : ''}`).join('\n')}\n`;
}
