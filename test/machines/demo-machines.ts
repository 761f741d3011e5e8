// The demo machines Cohabit ships (electron/host/demo-machines.ts names them), each with the
// variant of the Z390 workstation it is built from: a faithful sysfs tree, recorded into the
// snapshot the app ships (npm run demo:record).
import type { VirtualHost } from '../../electron/host/virtual-host';
import { DEMO_MACHINES as SHIPPED } from '../../electron/host/demo-machines';
import {
  TWIN_GPU_2605,
  WORKSTATION_2511,
  WORKSTATION_2611,
  buildDemoMachine,
  type DemoVariant,
} from './demo-machine';
import { buildDriftedDemoMachine } from './drifted-demo-machine';

export interface DemoMachine {
  name: string;
  description: string;
  /** The snapshot's file name under electron/host/demo/. */
  file: string;
  variant: DemoVariant;
  build(): VirtualHost;
}

const VARIANTS: Readonly<Record<string, DemoVariant>> = {
  workstation: WORKSTATION_2611,
  'twin-gpu': TWIN_GPU_2605,
  'edited-config': WORKSTATION_2511,
  'workstation-2511': WORKSTATION_2511,
};

/** Machines built otherwise than from their variant alone. */
const BUILDERS: Readonly<Record<string, () => VirtualHost>> = {
  // Issue 18: the workstation whose /etc/nixos no longer evaluates to the running system.
  'edited-config': buildDriftedDemoMachine,
};

export const DEMO_MACHINES: readonly DemoMachine[] = SHIPPED.map((m) => {
  const variant = VARIANTS[m.name];
  if (variant === undefined) throw new Error(`no variant builds the demo machine ${m.name}`);
  return { ...m, variant, build: BUILDERS[m.name] ?? (() => buildDemoMachine(variant)) };
});
