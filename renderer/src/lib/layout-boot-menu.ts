// What GRUB will show after apply: NixOS's own entries as install-grub.pl writes them ("NixOS -
// Default", the default generation's specialisations, then boot.loader.grub.extraEntries, where
// Cohabit's chain entries go, then the generations submenu), one line per new system, labelled as
// the user typed it. With passed devices, the VFIO binding is the `vfio` specialisation unless
// the layout binds in the default entry; GRUB adds its date and version to that title.
import type { Inventory } from '../../../shared/model/inventory';
import { vfioEntryOf, type Layout } from '../../../shared/model/layout';

export interface BootMenuEntry {
  title: string;
  kind: 'main' | 'specialisation' | 'submenu' | 'new-system';
  /** The layout path of a new system's entry. */
  subject: string | null;
}

export function bootMenuPreview(inventory: Inventory, layout: Layout): BootMenuEntry[] {
  const name = inventory.os.isNixos ? 'NixOS' : (inventory.os.name ?? 'NixOS');
  const vfio =
    layout.vms.some((vm) => vm.devices.length > 0) && vfioEntryOf(layout) === 'specialisation';
  return [
    { title: `${name} - Default`, kind: 'main', subject: null },
    ...(vfio
      ? [
          {
            title: `${name} - (vfio) with the VFIO binding`,
            kind: 'specialisation' as const,
            subject: 'host.vfioEntry',
          },
        ]
      : []),
    ...layout.systems.map((s, i): BootMenuEntry => ({
      title: s.label,
      kind: 'new-system',
      subject: `systems[${i}]`,
    })),
    { title: `${name} - All configurations`, kind: 'submenu', subject: null },
  ];
}
