// IOMMU state: is it on, why (or why not), interrupt remapping, ACS override, and the groups.
import type { Cpu, Iommu, IommuGroup, PciDevice } from '../../shared/model/inventory';
import type { CmdlineArg } from '../../shared/parse/cmdline';
import { parseInterruptRemapping } from '../../shared/parse/interrupts';
import type { ReadContext } from './read-context';

export const IOMMU_GROUPS_DIR = '/sys/kernel/iommu_groups';
const IOMMU_ARG_KEYS = new Set([
  'intel_iommu',
  'amd_iommu',
  'iommu',
  'iommu.passthrough',
  'iommu.strict',
  'pcie_acs_override',
  'vfio-pci.ids',
  'vfio_iommu_type1.allow_unsafe_interrupts',
]);

export function groupsFromDevices(pci: readonly PciDevice[]): IommuGroup[] {
  const groups = new Map<number, string[]>();
  for (const d of pci) {
    if (d.iommuGroup === null) continue;
    groups.set(d.iommuGroup, [...(groups.get(d.iommuGroup) ?? []), d.address]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([id, devices]) => ({ id, devices: devices.sort() }));
}

export async function readIommu(
  ctx: ReadContext,
  pci: readonly PciDevice[],
  cmdline: readonly CmdlineArg[],
  cpu: Cpu | null,
): Promise<Iommu> {
  const [groupDirs, units, tables, interrupts] = await Promise.all([
    ctx.dir(IOMMU_GROUPS_DIR, { optional: true, code: 'iommu.groups' }),
    ctx.dir('/sys/class/iommu', { optional: true, code: 'iommu.units' }),
    ctx.dir('/sys/firmware/acpi/tables', { optional: true, code: 'iommu.acpi' }),
    ctx.text('/proc/interrupts', { optional: true, code: 'iommu.interrupts' }),
  ]);
  const groups = groupsFromDevices(pci);
  const firmwareTable = tables?.includes('DMAR')
    ? 'DMAR'
    : tables?.includes('IVRS')
      ? 'IVRS'
      : null;
  const args = cmdline.filter((a) => IOMMU_ARG_KEYS.has(a.key));
  const argValue = (key: string) => cmdline.findLast((a) => a.key === key)?.value ?? null;
  const acsOverride = cmdline.some((a) => a.key === 'pcie_acs_override');
  const enabled = (groupDirs?.length ?? 0) > 0 || groups.length > 0;

  const reasons: string[] = [];
  if (enabled) {
    reasons.push(`The kernel made ${groups.length || groupDirs?.length || 0} IOMMU groups.`);
  } else {
    reasons.push(
      groupDirs === null ? `${IOMMU_GROUPS_DIR} does not exist.` : `${IOMMU_GROUPS_DIR} is empty.`,
    );
  }
  if (firmwareTable === 'DMAR') reasons.push('The firmware provides a DMAR table (Intel VT-d).');
  else if (firmwareTable === 'IVRS') reasons.push('The firmware provides an IVRS table (AMD-Vi).');
  else if (tables !== null)
    reasons.push(
      'The firmware provides no DMAR or IVRS table: VT-d / AMD-Vi is off or absent in the firmware setup.',
    );
  else reasons.push('The ACPI tables could not be listed, so the firmware side is unknown.');
  reasons.push(...cmdlineReasons(argValue, enabled, cpu));
  if (acsOverride)
    reasons.push(
      'pcie_acs_override is on the command line: the groups shown are split by a kernel patch and do not prove isolation.',
    );

  let interruptRemapping: Iommu['interruptRemapping'] = 'unknown';
  if (interrupts !== null) {
    interruptRemapping =
      ctx.parse('/proc/interrupts', 'iommu.interrupts', () =>
        parseInterruptRemapping(interrupts),
      ) ?? 'unknown';
  }
  if (enabled && interruptRemapping === 'on')
    reasons.push('Interrupt remapping is active (IR- interrupt chips in /proc/interrupts).');
  if (enabled && interruptRemapping === 'off')
    reasons.push(
      'Interrupt remapping is not active: VFIO refuses devices unless allow_unsafe_interrupts is set.',
    );

  return {
    enabled,
    reasons,
    firmwareTable,
    units: units ?? [],
    interruptRemapping,
    acsOverride,
    cmdlineArgs: args.map((a) => (a.value === null ? a.key : `${a.key}=${a.value}`)),
    groups,
  };
}

/** What the kernel command line says about the IOMMU, in the words the Machine view shows. */
function cmdlineReasons(
  argValue: (key: string) => string | null,
  enabled: boolean,
  cpu: Cpu | null,
): string[] {
  const reasons: string[] = [];
  if (
    argValue('intel_iommu') === 'off' ||
    argValue('amd_iommu') === 'off' ||
    argValue('iommu') === 'off'
  )
    reasons.push('The kernel command line turns the IOMMU off.');
  else if (argValue('intel_iommu') === 'on' || argValue('amd_iommu') === 'on')
    reasons.push('The kernel command line turns the IOMMU on.');
  else if (!enabled && cpu?.vendor === 'intel')
    reasons.push(
      'intel_iommu=on is not on the kernel command line (many kernels leave VT-d off without it).',
    );
  if (argValue('iommu') === 'pt' || argValue('iommu.passthrough') === '1')
    reasons.push(
      'iommu=pt: host devices bypass translation, which is the usual setting for passthrough hosts.',
    );
  return reasons;
}
