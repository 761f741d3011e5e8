// Builds the analysis context for a pasted IOMMU listing: an Inventory holding only what the
// listing tells (PCI devices and groups), with every other fact marked as not available.
import { INVENTORY_FORMAT, type Inventory } from '../model/inventory';
import { listingToInventoryParts, type ParsedListing } from '../parse/iommu-listing';
import type { AnalysisContext } from './passthrough';

export function contextFromListing(
  listing: ParsedListing,
  options: { hostHeadless?: boolean; acsOverride?: boolean } = {},
): AnalysisContext {
  const { pci, iommu } = listingToInventoryParts(listing);
  // The poster may say the kernel ran with pcie_acs_override even though the listing cannot.
  if (options.acsOverride) iommu.acsOverride = true;
  const inventory: Inventory = {
    format: INVENTORY_FORMAT,
    pci,
    iommu,
    gpus: [],
    usb: [],
    disks: [],
    zfs: { available: false, version: null, pools: [], datasets: [] },
    cpu: null,
    memory: null,
    boot: {
      firmware: 'uefi',
      bootloader: 'unknown',
      bootloaderEvidence: [],
      kernelCmdline: '',
      cmdlineArgs: [],
      kernelRelease: null,
    },
    vfio: { modules: [], boundDevices: [] },
    os: {
      id: null,
      name: null,
      versionId: null,
      prettyName: null,
      isNixos: false,
      hostname: null,
      hostId: null,
      nixos: null,
    },
    network: { defaultRouteInterface: null, defaultRouteDevice: null },
    mounts: [],
    diagnostics: listing.diagnostics,
  };
  return {
    inventory,
    facts: { sysfs: false, disks: false, usb: false, network: false },
    hostHeadless: options.hostHeadless ?? false,
    untrustedGroups: listing.untrustedGroups,
  };
}
