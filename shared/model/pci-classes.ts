// PCI class codes Cohabit reasons about, with the names pciutils gives them, so that a machine
// without lspci or pci.ids still shows "VGA compatible controller" rather than "0300".

export const PCI_CLASS_NAMES: Readonly<Record<string, string>> = {
  '0100': 'SCSI storage controller',
  '0101': 'IDE interface',
  '0104': 'RAID bus controller',
  '0106': 'SATA controller',
  '0107': 'Serial Attached SCSI controller',
  '0108': 'Non-Volatile memory controller',
  '0180': 'Mass storage controller',
  '0200': 'Ethernet controller',
  '0280': 'Network controller',
  '0300': 'VGA compatible controller',
  '0302': '3D controller',
  '0380': 'Display controller',
  '0400': 'Multimedia video controller',
  '0401': 'Multimedia audio controller',
  '0403': 'Audio device',
  '0480': 'Multimedia controller',
  '0500': 'RAM memory',
  '0580': 'Memory controller',
  '0600': 'Host bridge',
  '0601': 'ISA bridge',
  '0604': 'PCI bridge',
  '0680': 'Bridge',
  '0700': 'Serial controller',
  '0780': 'Communication controller',
  '0880': 'System peripheral',
  '0c03': 'USB controller',
  '0c05': 'SMBus',
  '0c80': 'Serial bus controller',
  '1080': 'Encryption controller',
  '1101': 'Performance counters',
  '1180': 'Signal processing controller',
};

export const GPU_CLASSES: ReadonlySet<string> = new Set(['0300', '0302', '0380']);
export const USB_CONTROLLER_CLASS = '0c03';
export const PCI_BRIDGE_CLASS = '0604';
export const HOST_BRIDGE_CLASS = '0600';
export const ISA_BRIDGE_CLASS = '0601';
export const AUDIO_DEVICE_CLASS = '0403';
export const SMBUS_CLASS = '0c05';
/** RAM memory and memory controllers (an Intel PCH's Shared SRAM, a power management controller). */
export const MEMORY_CLASSES: ReadonlySet<string> = new Set(['0500', '0580']);
/** Host and PCI bridges stay with the host: vfio-pci neither needs nor takes them. */
export const HOST_SIDE_CLASSES: ReadonlySet<string> = new Set([
  HOST_BRIDGE_CLASS,
  PCI_BRIDGE_CLASS,
]);

/** Base class 03, every display controller (VGA, XGA, 3D, other). The passthrough analysis counts
 * all of them as GPUs; GPU_CLASSES lists the three subclasses the inventory reads GPU facts for. */
export const isDisplayClass = (classCode: string): boolean => classCode.startsWith('03');
/** Base class 04 (multimedia: video, audio, HD audio): a display card's own audio functions. */
export const isMultimediaClass = (classCode: string): boolean => classCode.startsWith('04');

export function pciClassName(classCode: string): string {
  return PCI_CLASS_NAMES[classCode] ?? `Class ${classCode}`;
}
