// What GRUB will show after apply: NixOS's own entries as install-grub.pl writes them ("NixOS -
// Default", then boot.loader.grub.extraEntries, where Cohabit's chain entries go, then the
// generations submenu), one line per new system, labelled as the user typed it.
import type { Inventory } from '../../../shared/model/inventory';
import type { Layout } from '../../../shared/model/layout';

export interface BootMenuEntry {
  title: string;
  kind: 'main' | 'submenu' | 'new-system';
  /** The layout path of a new system's entry. */
  subject: string | null;
}

export function bootMenuPreview(inventory: Inventory, layout: Layout): BootMenuEntry[] {
  const name = inventory.os.isNixos ? 'NixOS' : (inventory.os.name ?? 'NixOS');
  return [
    { title: `${name} - Default`, kind: 'main', subject: null },
    ...layout.systems.map((s, i): BootMenuEntry => ({
      title: s.label,
      kind: 'new-system',
      subject: `systems[${i}]`,
    })),
    { title: `${name} - All configurations`, kind: 'submenu', subject: null },
  ];
}
