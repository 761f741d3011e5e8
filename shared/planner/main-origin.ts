// What the plan may do to the main system, given what built it (issue 18): edit configuration.nix
// and rebuild (the default), or write the module only, because the user chose it or because the
// running system came from a flake outside /etc/nixos. And the plain-words warning shown before
// anything runs when a rebuild from /etc/nixos would build more than Cohabit's one line.
import { diagnostic, type Diagnostic } from '../model/diagnostic';
import type { Inventory } from '../model/inventory';
import type { Layout } from '../model/layout';
import {
  IMPORT_LINE,
  MODULE_FILE_NAME,
  mainConfigurationPath,
  mainModulePath,
} from './planner-paths';

/** Where the module goes when nothing under /etc/nixos may be touched. */
export const DETACHED_MODULE_PATH = `/var/lib/cohabit/${MODULE_FILE_NAME}`;

export type MainMode =
  /** Add the import line to configuration.nix and run `nixos-rebuild boot`. */
  | { kind: 'edit'; modulePath: string }
  /** Write cohabit.nix beside configuration.nix; edit nothing, rebuild nothing. */
  | { kind: 'module-only'; modulePath: string; why: 'chosen' }
  /** Write the module outside /etc/nixos: the system is built from a flake elsewhere. */
  | { kind: 'module-only'; modulePath: string; why: 'flake-elsewhere' };

export function mainSystemMode(inventory: Inventory, layout: Layout): MainMode {
  if (inventory.os.nixosOrigin?.verdict === 'flake-elsewhere')
    return { kind: 'module-only', modulePath: DETACHED_MODULE_PATH, why: 'flake-elsewhere' };
  const modulePath = mainModulePath(inventory);
  if (layout.host.mainConfiguration === 'module-only')
    return { kind: 'module-only', modulePath, why: 'chosen' };
  return { kind: 'edit', modulePath };
}

/** What the user is told when the plan writes the module only; `imported`: the line is already there. */
export function moduleOnlyDiagnostic(
  inventory: Inventory,
  mode: Extract<MainMode, { kind: 'module-only' }>,
  content: string,
  imported: boolean,
): Diagnostic {
  const config = mainConfigurationPath(inventory);
  const host = inventory.os.hostname ?? '<host>';
  if (mode.why === 'flake-elsewhere')
    return diagnostic(
      'main.flake-elsewhere',
      'warning',
      `This system was built from a flake outside /etc/nixos, so Cohabit edits nothing under /etc/nixos and does not rebuild. It writes the module to ${mode.modulePath}; add it to your flake yourself.`,
      {
        subject: 'host',
        source: mode.modulePath,
        fix: `Copy ${mode.modulePath} beside ${host}'s configuration in your flake, add ${IMPORT_LINE} to that host's modules (or imports) list, then run nixos-rebuild boot --flake <your flake>#${host}. Why Cohabit thinks so: ${inventory.os.nixosOrigin?.summary ?? ''}\n\n${content}`,
      },
    );
  return diagnostic(
    'main.module-only',
    'info',
    imported
      ? `Write the module only: Cohabit writes ${mode.modulePath}, which ${config} already imports, and does not rebuild. Your next nixos-rebuild builds it, together with whatever else /etc/nixos says then.`
      : `Write the module only: Cohabit writes ${mode.modulePath}, leaves ${config} as it is and does not rebuild.`,
    {
      subject: 'host',
      source: mode.modulePath,
      fix: imported
        ? 'Run nixos-rebuild boot when you are ready; the new systems appear in the GRUB menu after it.'
        : `Add the line ${IMPORT_LINE} to the imports list of ${config} when you are ready, then run nixos-rebuild boot; the new systems appear in the GRUB menu after it.`,
    },
  );
}

/** The step list's last word before the rebuild: does /etc/nixos build more than it shows? */
export function rebuildOriginDiagnostics(inventory: Inventory): Diagnostic[] {
  const origin = inventory.os.nixosOrigin;
  if (origin === undefined || origin === null) return [];
  const choose =
    'If that is not what you want, choose "Write the module only" (cohabit plan --module-only; in the app, the main system setting in the Layout view): Cohabit then writes cohabit.nix, edits nothing else and does not rebuild.';
  if (origin.verdict === 'differs')
    return [
      diagnostic(
        'main.config-changed',
        'warning',
        'The configuration in /etc/nixos has changed since the running system was built (or it is not what builds it); a rebuild will apply those changes too.',
        {
          subject: 'host',
          source: origin.evaluation?.configuration ?? '/etc/nixos',
          fix: `${origin.summary} Go on only if you want those changes in the next boot as well. ${choose}`,
        },
      ),
    ];
  if (origin.verdict === 'unknown')
    return [
      diagnostic(
        'main.config-unchecked',
        'warning',
        'Cohabit could not check that /etc/nixos is what built the running system; the rebuild builds whatever /etc/nixos says today.',
        {
          subject: 'host',
          source: '/etc/nixos',
          fix: `${origin.summary} ${choose}`,
        },
      ),
    ];
  if (origin.verdict === 'same-as-next-boot')
    return [
      diagnostic('main.config-next-boot', 'info', origin.summary, {
        subject: 'host',
        source: origin.evaluation?.configuration ?? '/etc/nixos',
      }),
    ];
  return [];
}
