// What a NixOS machine records about the origin of its running system, written the way NixOS and
// the tools write it, for the machines built in tests: /run/current-system and the system
// profile's generation links (nix-env), `nixos-version --json` (tools.nix), /etc/nix/registry.json
// (nix-flakes.nix), and the answers of `find -printf` and of the toplevel evaluation.
import type { VirtualHost } from '../../electron/host/virtual-host';
import {
  ETC_NIXOS_FILES_ARGV,
  NIXOS_VERSION_JSON_ARGV,
  PROFILE_GENERATIONS_ARGV,
  RUNNING_SYSTEM,
  SYSTEM_PROFILE,
} from '../../electron/inventory/nixos-origin';

export interface NixosOriginSpec {
  /** The running system's store path. */
  running: string;
  /** /run/current-system/nixos-version: the label, without a newline (top-level.nix `echo -n`). */
  label: string;
  /** Generations of the system profile: number, store path, registration time (epoch seconds). */
  generations: Array<{ n: number; target: string; at: number }>;
  /** The generation /nix/var/nix/profiles/system points at. */
  current: number;
  /** Files under /etc/nixos and their mtimes, in the order find meets them. */
  etcFiles: Array<{ path: string; at: number }>;
  /** The toplevel evaluation: its argv and what it answers. */
  evaluation: {
    argv: readonly string[];
    outPath?: string;
    stderr?: string;
    exitCode?: number;
  };
  /** The attribute set nixos-version's --json prints (toJSON sorts the names). */
  versionJson: {
    nixosVersion: string;
    nixpkgsRevision?: string;
    configurationRevision?: string;
  };
  /** nixpkgs pinned in the flake registry (a flake-built system), or none. */
  registryNixpkgs: string | null;
}

/** GNU find prints %T@ with ten digits of fraction. */
const findTime = (seconds: number) => `${seconds}.0000000000`;

export function writeNixosOrigin(h: VirtualHost, spec: NixosOriginSpec): void {
  h.remove(RUNNING_SYSTEM);
  h.mkdirp(spec.running);
  h.file(`${spec.running}/nixos-version`, spec.label, 0o444);
  h.link(RUNNING_SYSTEM, spec.running);
  for (const g of spec.generations) h.link(`${SYSTEM_PROFILE}-${g.n}-link`, g.target);
  h.link(SYSTEM_PROFILE, `system-${spec.current}-link`);
  h.command(PROFILE_GENERATIONS_ARGV, {
    stdout: spec.generations
      .map((g) => `${findTime(g.at)}\tsystem-${g.n}-link\t${g.target}\0`)
      .join(''),
  });
  h.command(ETC_NIXOS_FILES_ARGV, {
    stdout: spec.etcFiles.map((f) => `${findTime(f.at)}\t${f.path}\0`).join(''),
  });
  const e = spec.evaluation;
  h.command(
    e.argv,
    e.outPath !== undefined
      ? { stdout: `${JSON.stringify(e.outPath)}\n` }
      : { stderr: e.stderr ?? '', exitCode: e.exitCode ?? 1 },
  );
  // The script's heredoc prints the JSON and a newline.
  const json: Record<string, string> = {};
  for (const key of Object.keys(spec.versionJson).sort()) {
    const value = spec.versionJson[key as keyof NixosOriginSpec['versionJson']];
    if (value !== undefined) json[key] = value;
  }
  h.command(NIXOS_VERSION_JSON_ARGV, { stdout: `${JSON.stringify(json)}\n` });
  h.file(
    '/etc/nix/registry.json',
    JSON.stringify({
      flakes:
        spec.registryNixpkgs === null
          ? []
          : [
              {
                exact: true,
                from: { id: 'nixpkgs', type: 'indirect' },
                to: { path: spec.registryNixpkgs, type: 'path' },
              },
            ],
      version: 2,
    }),
    0o444,
  );
}
