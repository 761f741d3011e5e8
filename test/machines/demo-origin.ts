// The origin of the demo machine's running system (issue 18): a channel system rebuilt from
// /etc/nixos on 2026-11-20, and the "drifted" variant whose configuration.nix was edited five
// days after that rebuild, so that /etc/nixos no longer evaluates to the running system.
import { TOPLEVEL_EVAL_CHANNELS_ARGV } from '../../electron/inventory/nixos-origin';
import type { NixosOriginSpec } from './nixos-origin-files';

// Store hashes are 32 characters of Nix's base-32 alphabet (no e, o, u or t).
export const DEMO_SYSTEM_HASH = 'c4d6f8h0j2l4n6p8r0s2v4x6z8b0d2f4';
export const DEMO_KERNEL_HASH = '7xq1b0v9kz2l4m6n8p0r2s4s6v8x0z2b';
const PREVIOUS_SYSTEM =
  '/nix/store/0a9r2k4m6p8s1v3x5z7b9d1f3h5j7l9n-nixos-system-atlas-25.11.3858.5d7f3b1c9e2a';
const OLDER_SYSTEM =
  '/nix/store/9zy8x7w6v5s4r3q2p1n0m9l8k7j6i5h4-nixos-system-atlas-25.11.3511.b1c2d3a4f5e6';
/** What the drifted demo's edited configuration.nix evaluates to. */
export const DRIFTED_EVALUATION =
  '/nix/store/5m2b8x1q9c4v7n3k6j0h5g8f2d1s4a7z-nixos-system-atlas-25.11.4207.3c2c4d8a1b9e';

/** 2026-11-20 18:04:11 UTC: the demo's last `nixos-rebuild switch` registered generation 42. */
export const DEMO_REBUILT_AT = 1795197851;
/** 2026-11-25 21:13:05 UTC: the drifted demo's configuration.nix was saved after that. */
export const DRIFTED_EDITED_AT = 1795641185;

export const demoSystemPath = (version: string): string =>
  `/nix/store/${DEMO_SYSTEM_HASH}-nixos-system-atlas-${version}`;

export function demoOrigin(version: string): NixosOriginSpec {
  const running = demoSystemPath(version);
  return {
    running,
    label: version,
    generations: [
      { n: 40, target: OLDER_SYSTEM, at: 1791837713 },
      { n: 41, target: PREVIOUS_SYSTEM, at: 1793611827 },
      { n: 42, target: running, at: DEMO_REBUILT_AT },
    ],
    current: 42,
    etcFiles: [
      { path: '/etc/nixos/hardware-configuration.nix', at: 1772446500 },
      // Saved six minutes before the rebuild that made generation 42.
      { path: '/etc/nixos/configuration.nix', at: 1795197520 },
    ],
    evaluation: { argv: TOPLEVEL_EVAL_CHANNELS_ARGV, outPath: running },
    versionJson: {
      nixosVersion: version,
      nixpkgsRevision: '3c2c4d8a1b9e7f50c1d24a6b8e0f3d5c7a9b1e2f',
    },
    registryNixpkgs: null,
  };
}

/** The same machine after its owner edited configuration.nix and did not rebuild. */
export function driftedDemoOrigin(version: string): NixosOriginSpec {
  const base = demoOrigin(version);
  return {
    ...base,
    etcFiles: [
      { path: '/etc/nixos/hardware-configuration.nix', at: 1772446500 },
      { path: '/etc/nixos/configuration.nix', at: DRIFTED_EDITED_AT },
    ],
    evaluation: { argv: TOPLEVEL_EVAL_CHANNELS_ARGV, outPath: DRIFTED_EVALUATION },
  };
}
