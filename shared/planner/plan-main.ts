// The main system's part of a plan: cohabit.nix (GRUB entries, VFIO, libvirt, snapshots), the one
// import line in configuration.nix and `nixos-rebuild boot`; or, for a flake, for a system built
// elsewhere, or when the user chose it, the module alone and the line to add (issue 18).
import type { VfioModuleInput } from '../emit/vfio-module';
import { diagnostic, type Diagnostic } from '../model/diagnostic';
import type { Inventory } from '../model/inventory';
import { vfioEntryOf, type Layout } from '../model/layout';
import {
  mainSystemMode,
  moduleOnlyDiagnostic,
  rebuildOriginDiagnostics,
  type MainMode,
} from './main-origin';
import { mainModule } from './modules';
import { addImport } from './nix-imports';
import { IMPORT_LINE, mainConfigurationPath } from './planner-paths';
import type { StepList } from './step-list';

export interface MainPlanIo {
  files: Record<string, string | null>;
  list: StepList;
  diagnostics: Diagnostic[];
  /** Plans the directories a path needs (mkdir steps for those the host says are absent). */
  mkdirs: (path: string, element: string) => void;
  nextSteps: string[];
}

// Over 80 lines because its three outcomes (a flake in /etc/nixos, the module only, the edit and
// the rebuild) share the module text, its path and its write; split, each would take them all.
export function planMain(
  inventory: Inventory,
  layout: Layout,
  vfio: VfioModuleInput | null,
  { files, list, diagnostics, mkdirs, nextSteps }: MainPlanIo,
): void {
  const forceImportRoot = layout.systems.some(
    (s) =>
      s.hostId.policy === 'new' &&
      s.hostId.value !== (inventory.os.nixos?.hostId ?? inventory.os.hostId),
  );
  const sanoid = layout.volumes.some((v) => v.snapshots.policy === 'sanoid');
  if (layout.systems.length === 0 && vfio === null && !sanoid && !forceImportRoot) return;
  // validate() refused a layout whose pool this machine does not have, so the pool is there.
  const poolGuid = inventory.zfs.pools.find((p) => p.name === layout.pool)?.guid ?? '';
  const content = mainModule({
    layout,
    poolGuid,
    vfio,
    forceImportRoot,
    currentForceImportRoot: inventory.os.nixos?.forceImportRoot ?? null,
  });
  const mode = mainSystemMode(inventory, layout);
  const modulePath = mode.modulePath;
  const configPath = mainConfigurationPath(inventory);
  const why = {
    element: 'host',
    text: 'The main system boots the other systems and runs the VMs.',
  };
  if (inventory.os.nixos?.flake === true && mode.kind === 'edit') {
    diagnostics.push(
      diagnostic(
        'main.flake-module',
        'warning',
        'Your system is a flake: Cohabit edits none of its files. Add the module below and rebuild.',
        {
          subject: 'host',
          source: modulePath,
          fix: `Save this as cohabit.nix beside your host's configuration, add ${IMPORT_LINE} to that host's modules (or imports) list, then run nixos-rebuild boot:\n\n${content}`,
        },
      ),
    );
    return;
  }
  let changed = false;
  const previousModule = files[modulePath] ?? null;
  if (previousModule !== content) {
    // /var/lib/cohabit, where a module for a flake elsewhere goes, may not exist yet.
    if (mode.kind === 'module-only' && mode.why === 'flake-elsewhere')
      mkdirs(modulePath.slice(0, modulePath.lastIndexOf('/')), 'host');
    list.write(modulePath, content, previousModule, `Write ${modulePath}`, {
      ...why,
      text:
        vfio !== null && vfio.devices.length > 0 && vfioEntryOf(layout) === 'specialisation'
          ? "GRUB entries for the new systems, libvirt and snapshots, in a file of Cohabit's own; the VFIO binding in a boot entry of its own (specialisation vfio), so the default entry keeps the host as it was."
          : "GRUB entries for the new systems, VFIO for the passed devices, libvirt and snapshots, in a file of Cohabit's own.",
    });
    changed = true;
  }
  const config = files[configPath] ?? null;
  if (mode.kind === 'module-only') {
    explainModuleOnly(inventory, mode, content, config, diagnostics, nextSteps);
    return;
  }
  const manual = (reason: string) =>
    diagnostics.push(
      diagnostic(
        'main.import-manual',
        'warning',
        `Cohabit will not edit ${configPath}: ${reason}.`,
        {
          subject: 'host',
          source: configPath,
          fix: `Add the line ${IMPORT_LINE} to the imports list of ${configPath} yourself, then run nixos-rebuild boot.`,
        },
      ),
    );
  if (config === null) manual('it could not be read');
  else {
    const edit = addImport(config, IMPORT_LINE);
    if (edit.kind === 'refused') manual(edit.reason);
    else if (edit.kind === 'added') {
      list.write(configPath, edit.text, config, `Import ${IMPORT_LINE} in ${configPath}`, {
        ...why,
        text: 'One line in your configuration: everything else lives in cohabit.nix.',
      });
      changed = true;
    }
  }
  if (changed) {
    diagnostics.push(...rebuildOriginDiagnostics(inventory));
    list.add('nixos.rebuild', { action: 'boot' }, 'Build the main system for the next boot', {
      ...why,
      text: 'The GRUB menu and the kernel settings take effect at the next boot; nothing changes in the running system.',
    });
  }
}

/** Module only: the diagnostic with the line to add, and the first thing to do after applying. */
function explainModuleOnly(
  inventory: Inventory,
  mode: Extract<MainMode, { kind: 'module-only' }>,
  content: string,
  config: string | null,
  diagnostics: Diagnostic[],
  nextSteps: string[],
): void {
  const modulePath = mode.modulePath;
  const configPath = mainConfigurationPath(inventory);
  const imported =
    mode.why === 'chosen' && config !== null && addImport(config, IMPORT_LINE).kind === 'present';
  diagnostics.push(moduleOnlyDiagnostic(inventory, mode, content, imported));
  // Before the "Reboot and choose ..." lines: without the rebuild there is no entry to choose.
  nextSteps.unshift(
    mode.why === 'flake-elsewhere'
      ? `Before rebooting: copy ${modulePath} into your flake, add ${IMPORT_LINE} to the host's modules and run nixos-rebuild boot --flake <your flake>#${inventory.os.hostname ?? '<host>'}; the new GRUB entries and the VFIO settings come with that rebuild.`
      : imported
        ? 'Before rebooting: run nixos-rebuild boot; the new GRUB entries and the VFIO settings come with that rebuild.'
        : `Before rebooting: add ${IMPORT_LINE} to the imports of ${configPath} and run nixos-rebuild boot; the new GRUB entries and the VFIO settings come with that rebuild.`,
  );
}
