// The layout's VMs checked against the machine: each one's volume (one VM each), its devices
// (present, one VM each, and what the passthrough analysis says must go with them), its memory.
import { analyzeSelection, machineAnalysisContext } from '../analysis/passthrough';
import type { Inventory } from '../model/inventory';
import type { Layout } from '../model/layout';
import type { Add } from './validate';

// Long because each VM's rules read one after the other and share its index and the owners of
// volumes and devices seen so far.
export function checkVms(inventory: Inventory, layout: Layout, add: Add): void {
  const owner = new Map<string, number>();
  const volumeUsers = new Map<string, number>();
  const addresses = new Set(inventory.pci.map((d) => d.address));
  // Long because it is checkVms's body: one VM's rules in order (see above).
  layout.vms.forEach((vm, i) => {
    const volumeIndex = layout.volumes.findIndex((vol) => vol.id === vm.volume);
    if (volumeIndex < 0)
      add(
        'vm.volume-missing',
        'error',
        `vms[${i}].volume`,
        `The VM ${vm.name} uses the volume ${vm.volume}, which the layout does not have.`,
        "Pick one of the layout's volumes.",
      );
    else if (volumeUsers.has(vm.volume))
      add(
        'vm.volume-shared',
        'error',
        `vms[${i}].volume`,
        `The volume ${vm.volume} is already the disk of another VM.`,
        'Give each VM its own volume.',
      );
    else volumeUsers.set(vm.volume, i);

    if (vm.kind === 'macos' && vm.openCoreImage === undefined)
      add(
        'vm.opencore-missing',
        'warning',
        `vms[${i}].openCoreImage`,
        `The macOS VM ${vm.name} has no OpenCore image; Cohabit ships none, and the VM will not boot without one.`,
        `Put your OpenCore image at /var/lib/cohabit/vms/${vm.name}-opencore.img or set openCoreImage.`,
      );
    const memory = inventory.memory?.totalBytes ?? null;
    // More than the host has in all cannot start (hugepages or not), so it is an error, not a taste.
    if (memory !== null && vm.memoryMiB * 2 ** 20 > memory)
      add(
        'vm.memory-over-host',
        'error',
        `vms[${i}].memoryMiB`,
        `${vm.name} asks for ${vm.memoryMiB} MiB of memory, more than the host's ${Math.floor(memory / 2 ** 20)} MiB in all.`,
        `Give it at most ${Math.floor((memory * 0.9) / 2 ** 20)} MiB, which leaves the host a tenth.`,
      );
    else if (memory !== null && vm.memoryMiB * 2 ** 20 > memory * 0.9)
      add(
        'vm.memory',
        'warning',
        `vms[${i}].memoryMiB`,
        `${vm.name} asks for ${vm.memoryMiB} MiB, nearly all of the host's ${Math.round(memory / 2 ** 20)} MiB.`,
        'Leave the host some memory.',
      );
    const threads = inventory.cpu?.threads ?? null;
    if (threads !== null && vm.vcpus > threads)
      add(
        'vm.vcpus',
        'warning',
        `vms[${i}].vcpus`,
        `${vm.name} has ${vm.vcpus} vCPUs but the host has ${threads} threads.`,
        `Use at most ${threads}.`,
      );

    const known: string[] = [];
    vm.devices.forEach((address, j) => {
      const at = `vms[${i}].devices[${j}]`;
      if (!addresses.has(address)) {
        add(
          'passthrough.unknown-device',
          'error',
          at,
          `There is no PCI device ${address} on this machine.`,
          'Pick a device from the inventory.',
        );
        return;
      }
      const other = owner.get(address);
      if (other !== undefined && other !== i) {
        add(
          'passthrough.device-twice',
          'error',
          at,
          `${address} is already given to ${layout.vms[other]?.name ?? 'another VM'}; a device can go to one VM only.`,
          'Remove it from one of the VMs.',
        );
        return;
      }
      owner.set(address, i);
      known.push(address);
    });
    if (known.length === 0) return;
    const candidate = analyzeSelection(
      machineAnalysisContext(inventory, { hostHeadless: layout.host.headless }),
      known,
    );
    for (const reason of candidate.reasons) {
      if (reason.severity === 'info') continue;
      add(
        `passthrough.${reason.code.replace(/^(refuse|warn)\./, '')}`,
        reason.severity === 'refuse' ? 'error' : 'warning',
        `vms[${i}].devices`,
        reason.message,
        reason.fix,
      );
    }
    // Devices of the same group that must go along: the VM gets them too, and so does vfio-pci.
    for (const address of candidate.passTogether) {
      const other = owner.get(address);
      if (other !== undefined && other !== i)
        add(
          'passthrough.device-twice',
          'error',
          `vms[${i}].devices`,
          `${address} must go with ${vm.name}'s devices but is given to ${layout.vms[other]?.name ?? 'another VM'}.`,
          'Give the whole group to one VM.',
        );
    }
  });
}
