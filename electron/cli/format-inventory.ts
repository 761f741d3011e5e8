// The terminal summary of an inventory: pools with usage bars, IOMMU groups with their devices,
// GPUs and which drives the display, USB controllers and what hangs off them, then diagnostics.
import type { Diagnostic } from '../../shared/model/diagnostic';
import { formatBytes } from '../../shared/model/format-bytes';
import type { BlockDevice, Inventory, PciDevice, VdevNode } from '../../shared/model/inventory';
import { visibleStrings, visibleText } from '../../shared/model/visible-text';
import { formatNixosOrigin } from './format-nixos-origin';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  warn(s: string): string;
  bad(s: string): string;
  good(s: string): string;
}

export const plainStyle: Style = {
  bold: (s) => s,
  dim: (s) => s,
  warn: (s) => s,
  bad: (s) => s,
  good: (s) => s,
};
const sgr = (code: string) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
export const ansiStyle: Style = {
  bold: sgr('1'),
  dim: sgr('2'),
  warn: sgr('33'),
  bad: sgr('31'),
  good: sgr('32'),
};

export function usageBar(fraction: number, width = 24): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Terminal-safe: control, bidi and invisible characters from the machine are shown escaped. */
export function safe(text: string): string {
  return visibleText(text);
}

function pciLine(d: PciDevice): string {
  const driver = d.driver === null ? '' : ` (driver ${d.driver})`;
  return `${d.address} ${safe(d.className)} [${d.classCode}]: ${safe(d.vendorName)} ${safe(d.deviceName)} [${d.vendorId}:${d.deviceId}]${driver}`;
}

function vdevLines(nodes: readonly VdevNode[], indent: string, out: string[]): void {
  for (const n of nodes) {
    const errors = n.readErrors + n.writeErrors + n.checksumErrors;
    out.push(
      `${indent}${safe(n.name)}  ${n.state}${errors > 0 ? `  errors r/w/c ${n.readErrors}/${n.writeErrors}/${n.checksumErrors}` : ''}`,
    );
    vdevLines(n.children, indent + '  ', out);
  }
}

function diskLines(d: BlockDevice, indent: string, out: string[]): void {
  const bits = [formatBytes(d.sizeBytes), d.type];
  if (d.type === 'disk') {
    if (d.model) bits.push(safe(d.model));
    if (d.transport) bits.push(d.transport);
    if (d.pciController) bits.push(`on ${d.pciController}`);
  }
  if (d.fstype) bits.push(d.fstype + (d.label ? ` "${safe(d.label)}"` : ''));
  if (d.luksMapper) bits.push(`open as ${safe(d.luksMapper)}`);
  if (d.mountpoints.length > 0) bits.push(`mounted at ${d.mountpoints.map(safe).join(', ')}`);
  out.push(`${indent}${safe(d.name)}  ${bits.join(', ')}`);
  for (const c of d.children) diskLines(c, indent + '  ', out);
}

function diagnosticLine(d: Diagnostic, style: Style): string {
  const mark =
    d.severity === 'error'
      ? style.bad('error')
      : d.severity === 'warning'
        ? style.warn('warning')
        : style.dim('note');
  return `  ${mark}: ${safe(d.message)}${d.fix ? `\n    fix: ${safe(d.fix)}` : ''}`;
}

// Long because it is the report top to bottom, one section after another, as the terminal shows it.
export function formatInventory(read: Inventory, style: Style = plainStyle): string {
  // Every string the machine gave (os-release, device names, reasons, ports...) made visible
  // once, so that a field printed without safe() cannot carry an escape sequence either.
  const inv = visibleStrings(read);
  const out: string[] = [];
  const h = (title: string) => out.push('', style.bold(title));
  const byAddress = new Map(inv.pci.map((d) => [d.address, d]));

  const os = inv.os;
  out.push(
    style.bold(
      `${os.prettyName ?? os.name ?? 'Unknown OS'}${os.hostname ? ` on ${safe(os.hostname)}` : ''}`,
    ),
  );
  if (os.nixos) {
    const n = os.nixos;
    out.push(
      `  NixOS ${n.version ?? '?'}, stateVersion ${n.stateVersion ?? 'unknown'}, hostId ${n.hostId ?? os.hostId ?? 'unset'} (${n.source === 'eval' ? 'from the evaluated configuration' : 'from the running system'})`,
    );
    if (n.luksDevices.length > 0)
      out.push(
        `  LUKS in initrd: ${n.luksDevices.map((l) => `${safe(l.name)} <- ${safe(l.device)}`).join(', ')}`,
      );
  } else if (os.hostId) out.push(`  hostid ${os.hostId}`);
  if (os.nixosOrigin) out.push(...formatNixosOrigin(os.nixosOrigin, style, safe));
  const b = inv.boot;
  out.push(
    `  Firmware ${b.firmware.toUpperCase()}, bootloader ${b.bootloader}${b.kernelRelease ? `, kernel ${b.kernelRelease}` : ''}`,
  );
  out.push(`  Kernel command line: ${safe(b.kernelCmdline) || '(empty)'}`);
  if (inv.cpu) {
    const c = inv.cpu;
    out.push(
      `  CPU ${safe(c.model)}: ${c.cores} cores, ${c.threads} threads, virtualisation ${c.virtualization ?? style.warn('not shown')}`,
    );
  }
  if (inv.memory) {
    const huge = inv.memory.hugepages
      .filter((p) => p.total > 0)
      .map((p) => `${p.total} x ${formatBytes(p.sizeKiB * 1024)}`);
    out.push(
      `  Memory ${formatBytes(inv.memory.totalBytes)}${huge.length > 0 ? `, huge pages ${huge.join(', ')}` : ''}`,
    );
  }

  h('ZFS pools');
  if (!inv.zfs.available) out.push('  No ZFS on this machine.');
  else if (inv.zfs.pools.length === 0) out.push('  ZFS is installed, but no pool is imported.');
  for (const p of inv.zfs.pools) {
    const health = p.health === 'ONLINE' ? style.good(p.health) : style.warn(p.health);
    // A pool zpool cannot open (FAULTED, UNAVAIL) has no sizes: say so rather than draw 0.
    const usage =
      p.sizeBytes === null || p.allocatedBytes === null || p.freeBytes === null
        ? style.warn('size unknown (zpool could not measure the pool)')
        : `${usageBar(p.allocatedBytes / p.sizeBytes)} ${p.capacityPercent ?? '?'}%  ${formatBytes(p.allocatedBytes)} of ${formatBytes(p.sizeBytes)}, ${formatBytes(p.freeBytes)} free`;
    out.push(`  ${style.bold(safe(p.name))}  ${usage}  ${health}`);
    vdevLines(p.vdevs, '    ', out);
    const datasets = inv.zfs.datasets.filter((d) => d.pool === p.name);
    const count = (t: string) => datasets.filter((d) => d.type === t).length;
    out.push(
      `    ${count('filesystem')} datasets, ${count('volume')} zvols, ${count('snapshot')} snapshots${p.bootfs ? `, bootfs ${safe(p.bootfs)}` : ''}`,
    );
    const managed = datasets.filter((d) => d.cohabit['cohabit:managed'] === 'on');
    if (managed.length > 0)
      out.push(`    managed by Cohabit: ${managed.map((d) => safe(d.name)).join(', ')}`);
  }

  h('Disks');
  if (inv.disks.length === 0) out.push('  No disks could be listed.');
  for (const d of inv.disks) diskLines(d, '  ', out);

  h('IOMMU');
  out.push(
    `  ${inv.iommu.enabled ? style.good('enabled') : style.warn('off')}: ${inv.iommu.reasons.join(' ')}`,
  );
  if (inv.iommu.enabled)
    out.push(
      `  Interrupt remapping: ${inv.iommu.interruptRemapping}${inv.iommu.acsOverride ? `; ${style.warn('ACS override in use')}` : ''}`,
    );
  if (inv.iommu.groups.length === 0 && inv.pci.length > 0) {
    out.push('  PCI devices (no IOMMU groups):');
    for (const d of inv.pci) out.push(`    ${pciLine(d)}`);
  }
  for (const g of inv.iommu.groups) {
    out.push(`  Group ${g.id}`);
    for (const a of g.devices) {
      const d = byAddress.get(a);
      out.push(`    ${d ? pciLine(d) : a}`);
    }
  }

  h('GPUs');
  if (inv.gpus.length === 0) out.push('  No GPU found.');
  for (const g of inv.gpus) {
    const role = g.drivesDisplay ? style.bold('drives the display') : 'not driving a display';
    const group = byAddress.get(g.address)?.iommuGroup;
    out.push(
      `  ${g.address} ${safe(g.name)}: ${role}${group !== null && group !== undefined ? `, group ${group}` : ''}${g.driver ? `, driver ${g.driver}` : ''}`,
    );
    if (g.functions.length > 1) out.push(`    functions: ${g.functions.join(', ')}`);
    if (g.connectedOutputs.length > 0) out.push(`    connected: ${g.connectedOutputs.join(', ')}`);
  }

  h('USB controllers');
  if (inv.usb.length === 0) out.push('  No USB controller found.');
  for (const c of inv.usb) {
    const group = byAddress.get(c.address)?.iommuGroup;
    const marks = [c.hasKeyboard ? 'keyboard' : '', c.hasMouse ? 'mouse' : '']
      .filter(Boolean)
      .join(' and ');
    out.push(
      `  ${c.address} ${safe(c.name)}${group !== null && group !== undefined ? `, group ${group}` : ''}${marks ? `: ${style.bold(`${marks} attached`)}` : ''}`,
    );
    const devices = c.devices.filter((d) => !d.isHub);
    if (devices.length === 0) out.push('    nothing attached');
    for (const d of devices) {
      const tag = d.isKeyboard ? ' [keyboard]' : d.isMouse ? ' [mouse]' : '';
      out.push(
        `    ${d.port} ${d.vendorId}:${d.productId} ${safe([d.manufacturer, d.product].filter(Boolean).join(' '))}${tag}`,
      );
    }
  }

  if (inv.diagnostics.length > 0) {
    h('Diagnostics');
    for (const d of inv.diagnostics) out.push(diagnosticLine(d, style));
  }
  return out.join('\n') + '\n';
}
