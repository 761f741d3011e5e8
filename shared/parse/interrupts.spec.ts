// Interrupt remapping from /proc/interrupts: a real VT-d server, and synthetic modern-format lines.
import { describe, it, expect } from 'vitest';
import { parseInterruptRemapping } from './interrupts';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';

describe('parseInterruptRemapping', () => {
  it('sees remapping on a real server with IR-IO-APIC and IR-PCI-MSI chips', () => {
    expect(parseInterruptRemapping(readSystemFixture('interrupts-igb-server-ir.txt'))).toBe('on');
  });

  it('reads the modern chip column with the PCI address in it (synthetic)', () => {
    const text =
      '            CPU0       CPU1\n' +
      '   0:         26          0   IO-APIC   2-edge      timer\n' +
      ' 123:          0          1 IR-PCI-MSIX-0000:02:00.0   0-edge      enp2s0\n';
    expect(parseInterruptRemapping(text)).toBe('on');
  });

  it('says off when MSI and IO-APIC chips exist without IR- (synthetic)', () => {
    const text =
      '           CPU0       CPU1\n' +
      '  0:         26          0   IO-APIC   2-edge      timer\n' +
      '  5:          0          0   IO-APIC   5-edge      IR-receiver\n' +
      ' 24:     120000          0   PCI-MSI 327680-edge      xhci_hcd\n' +
      'NMI:          0          0   Non-maskable interrupts\n';
    expect(parseInterruptRemapping(text)).toBe('off');
  });

  it('says unknown when the text shows neither (synthetic: legacy PIC only, empty)', () => {
    expect(
      parseInterruptRemapping(
        '           CPU0\n  0:     49   XT-PIC  timer\nNMI:  0  Non-maskable interrupts\n',
      ),
    ).toBe('unknown');
    expect(parseInterruptRemapping('')).toBe('unknown');
  });
});
