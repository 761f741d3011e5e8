// Reads /proc/interrupts for one fact: whether interrupt remapping is active. With remapping on, the
// kernel names the MSI and IO-APIC irq chips with an IR- prefix (IR-PCI-MSI, IR-IO-APIC, ...).

const REMAPPABLE_CHIP_RE = /^(?:PCI-MSI|PCI-MSIX|IO-APIC)/;
const IRQ_LINE_RE = /^\s*\d+:/;

/**
 * 'on' when any interrupt's chip column is an IR- chip, 'off' when MSI/IO-APIC chips exist but none
 * is IR-, 'unknown' when the text shows neither. Lines it cannot read are skipped, so it never throws.
 */
export function parseInterruptRemapping(text: string): 'on' | 'off' | 'unknown' {
  let sawRemappable = false;
  for (const line of text.split('\n')) {
    if (!IRQ_LINE_RE.test(line)) continue;
    const fields = line
      .slice(line.indexOf(':') + 1)
      .trim()
      .split(/\s+/);
    // The per-CPU counts come first; the chip name is the first field that is not a count.
    const chip = fields.find((f) => !/^\d+$/.test(f));
    if (chip === undefined) continue;
    if (chip.startsWith('IR-')) return 'on';
    if (REMAPPABLE_CHIP_RE.test(chip)) sawRemappable = true;
  }
  return sawRemappable ? 'off' : 'unknown';
}
