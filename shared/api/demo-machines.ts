// The demo machines Cohabit ships, by name, as the CLI (`--demo NAME`, `inventory --demo list`)
// and the app's picker name them. The snapshots themselves are the Node side's
// (electron/host/demo-machines.ts).
export interface DemoMachineInfo {
  name: string;
  description: string;
}

export const DEFAULT_DEMO = 'workstation';

export const DEMO_MACHINE_LIST: readonly DemoMachineInfo[] = [
  {
    name: 'workstation',
    description:
      'NixOS 26.11 workstation (systemd stage 1) with ZFS on LUKS, an RTX 2080 and an RX 560',
  },
  {
    name: 'twin-gpu',
    description:
      'NixOS 26.05 workstation with two identical RTX 2080s: the VM one is bound by PCI address',
  },
  {
    name: 'edited-config',
    description:
      'The 25.11 workstation after /etc/nixos/configuration.nix was edited and not rebuilt: its plan warns before the rebuild',
  },
  {
    name: 'workstation-2511',
    description: 'NixOS 25.11 workstation (scripted initrd) with ZFS on LUKS and two GPUs',
  },
];
