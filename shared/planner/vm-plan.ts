// The steps for the layout's VMs: each one's libvirt definition written and defined, with the
// PCI devices the passthrough analysis says must go together; and the VFIO binding they need,
// as the input the main system's module is emitted from.
import { analyzeSelection, machineAnalysisContext } from '../analysis/passthrough';
import { emitDomainXml, type DomainHostdev } from '../emit/libvirt-domain';
import type { VfioDevice, VfioModuleInput } from '../emit/vfio-module';
import type { Diagnostic } from '../model/diagnostic';
import type { Inventory } from '../model/inventory';
import { USB_CONTROLLER_CLASS, isDisplayClass } from '../model/pci-classes';
import { vfioEntryOf, type Layout } from '../model/layout';
import {
  existingInitrdModules,
  existingKernelParams,
  mainRelease,
  ovmfPaths,
  staleFirmware,
} from './nixos-target';
import { VM_XML_DIR, vmXmlPath } from './planner-paths';
import type { StepList } from './step-list';

export interface VmPlanContext {
  files: Record<string, string | null>;
  list: StepList;
  diagnostics: Diagnostic[];
  mkdirs: (path: string, element: string) => void;
  nextSteps: string[];
}

/** Writes and defines each VM whose definition differs from the file on the machine. */
export function planVms(inventory: Inventory, layout: Layout, ctx: VmPlanContext): void {
  const { files, list, diagnostics, mkdirs, nextSteps } = ctx;
  const ovmf = ovmfPaths(mainRelease(inventory));
  layout.vms.forEach((vm, i) => {
    const volume = layout.volumes.find((vol) => vol.id === vm.volume);
    if (volume === undefined) return;
    const candidate = analyzeSelection(analysisContext(inventory, layout), vm.devices);
    const pci = new Map(inventory.pci.map((d) => [d.address, d]));
    const hostdevs: DomainHostdev[] = candidate.passTogether.map((address) => {
      const d = pci.get(address);
      const cls = d?.classCode ?? '';
      return {
        address,
        multifunctionGroup: d?.slot,
        kind: isDisplayClass(cls)
          ? 'gpu'
          : cls === USB_CONTROLLER_CLASS
            ? 'usb-controller'
            : 'other',
      };
    });
    const xml = emitDomainXml({
      name: vm.name,
      memoryMiB: vm.memoryMiB,
      vcpus: vm.vcpus,
      hugepages: vm.hugepages,
      systemDisk: `/dev/zvol/${volume.dataset}`,
      openCoreImage: vm.openCoreImage ?? `${VM_XML_DIR}/${vm.name}-opencore.img`,
      ovmfCode: ovmf.code,
      ovmfVars: ovmf.vars,
      hostdevs,
      macOS: vm.kind === 'macos',
    });
    const path = vmXmlPath(vm.name);
    const previous = files[path] ?? null;
    if (previous === xml) return;
    diagnostics.push(...staleFirmware(path, previous, `vms[${i}]`));
    mkdirs(VM_XML_DIR, `vms[${i}]`);
    list.write(path, xml, previous, `Write the libvirt definition of ${vm.name}`, {
      element: `vms[${i}]`,
      text: `The VM ${vm.name}: ${vm.vcpus} vCPUs, ${vm.memoryMiB} MiB, ${candidate.passTogether.join(', ') || 'no devices'}.`,
    });
    list.add(
      'libvirt.define',
      { name: vm.name, xmlPath: path },
      `Define the VM ${vm.name} in libvirt`,
      {
        element: `vms[${i}]`,
        text: 'libvirt reads the definition once; the file stays for reference.',
      },
    );
    nextSteps.push(
      vm.devices.length > 0 && vfioEntryOf(layout) === 'specialisation'
        ? `Reboot into the "vfio" entry of the GRUB menu (the default entry is the host as it was, without the binding), then start the VM with: virsh --connect qemu:///system start ${vm.name}`
        : `After the reboot, start the VM with: virsh --connect qemu:///system start ${vm.name}`,
    );
  });
}

function analysisContext(inventory: Inventory, layout: Layout) {
  return machineAnalysisContext(inventory, { hostHeadless: layout.host.headless });
}

export function vfioInput(inventory: Inventory, layout: Layout): VfioModuleInput | null {
  const devices: VfioDevice[] = [];
  let bindByAddress = false;
  const pci = new Map(inventory.pci.map((d) => [d.address, d]));
  for (const vm of layout.vms) {
    if (vm.devices.length === 0) continue;
    const candidate = analyzeSelection(analysisContext(inventory, layout), vm.devices);
    bindByAddress ||= candidate.bindByAddress;
    for (const address of candidate.passTogether) {
      const d = pci.get(address);
      if (d === undefined || devices.some((x) => x.address === address)) continue;
      devices.push({
        address,
        vendorId: d.vendorId,
        deviceId: d.deviceId,
        classCode: d.classCode,
        hostDriver: d.driver,
      });
    }
  }
  if (layout.vms.length === 0) return null;
  const hugepagesMiB = layout.vms
    .filter((vm) => vm.hugepages)
    .reduce((sum, vm) => sum + vm.memoryMiB, 0);
  return {
    cpuVendor: inventory.cpu?.vendor ?? 'other',
    devices,
    bindByAddress,
    hugepages: hugepagesMiB > 0 ? { sizeKiB: 2048, count: Math.ceil(hugepagesMiB / 2) } : null,
    libvirt: true,
    existingKernelParams: existingKernelParams(inventory),
    existingInitrdModules: existingInitrdModules(inventory),
  };
}
