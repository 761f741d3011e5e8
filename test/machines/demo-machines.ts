// The demo machines Cohabit ships, by name: each is built as a faithful sysfs tree and recorded
// into a snapshot under electron/host/demo/ (npm run demo:record).
import type { VirtualHost } from '../../electron/host/virtual-host';
import { buildDemoMachine } from './demo-machine';

export interface DemoMachine {
  name: string;
  description: string;
  build(): VirtualHost;
}

export const DEMO_MACHINES: readonly DemoMachine[] = [
  {
    name: 'workstation-2511',
    description: 'NixOS 25.11 workstation with ZFS on LUKS and two GPUs',
    build: buildDemoMachine,
  },
];
