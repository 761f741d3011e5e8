// /proc/modules: loaded module names. No captured file is committed for this one; the lines below
// are synthetic, written in the kernel's format (name size refcount deps state address).
import { describe, it, expect } from 'vitest';
import { parseProcModules } from './proc-modules';
import { ParseError } from '../model/errors';

describe('parseProcModules (synthetic lines in the kernel format)', () => {
  it('returns the first field of each line, in order', () => {
    const text =
      'vfio_pci 16384 0 - Live 0x0000000000000000\n' +
      'vfio_pci_core 94208 1 vfio_pci, Live 0x0000000000000000\n' +
      'vfio_iommu_type1 45056 0 - Live 0x0000000000000000\n' +
      'kvm_amd 208896 0 - Live 0x0000000000000000 (E)\n' +
      'nvidia_drm 90112 4 - Loading 0x0000000000000000 (POE)\n';
    expect(parseProcModules(text)).toEqual([
      'vfio_pci',
      'vfio_pci_core',
      'vfio_iommu_type1',
      'kvm_amd',
      'nvidia_drm',
    ]);
  });

  it('returns [] when no module is loaded', () => {
    expect(parseProcModules('')).toEqual([]);
  });

  it('rejects a first field that cannot be a module name', () => {
    expect(() => parseProcModules('ok 1 0 - Live 0x0\n"quoted" 1 0 - Live 0x0\n')).toThrow(
      ParseError,
    );
    expect(() => parseProcModules('ok 1 0 - Live 0x0\n"quoted" 1 0 - Live 0x0\n')).toThrow(
      /line 2/,
    );
  });
});
