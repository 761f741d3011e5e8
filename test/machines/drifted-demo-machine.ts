// The demo machine after its owner edited /etc/nixos/configuration.nix and did not rebuild
// (issue 18): the running system is still generation 42, but the file was saved five days later
// and now evaluates to another system, so a rebuild would build that edit too. Built from the demo
// machine's own builder, so everything else is the same machine.
import type { VirtualHost } from '../../electron/host/virtual-host';
import { DEMO_CONFIGURATION_NIX, DEMO_NIXOS_VERSION, buildDemoMachine } from './demo-machine';
import { driftedDemoOrigin } from './demo-origin';
import { writeNixosOrigin } from './nixos-origin-files';

/**
 * The edit: virt-manager, added after the last rebuild (an option the evaluation harness declares,
 * so the shipped machine's own configuration still evaluates in test/nixos).
 */
export const DRIFTED_CONFIGURATION_NIX = DEMO_CONFIGURATION_NIX.replace(
  '  services.zfs.autoScrub.enable = true;\n',
  '  services.zfs.autoScrub.enable = true;\n  programs.virt-manager.enable = true;\n',
);

export function buildDriftedDemoMachine(): VirtualHost {
  const h = buildDemoMachine();
  h.file('/etc/nixos/configuration.nix', DRIFTED_CONFIGURATION_NIX);
  writeNixosOrigin(h, driftedDemoOrigin(DEMO_NIXOS_VERSION));
  return h;
}
