// PCI devices from sysfs, named by `lspci -nnmm` when it is installed, else by a pci.ids file,
// else by their IDs alone.
import { diagnostic } from '../../shared/model/diagnostic';
import type { PciDevice } from '../../shared/model/inventory';
import { PCI_ADDRESS_RE } from '../../shared/model/inventory';
import { pciClassName } from '../../shared/model/pci-classes';
import { parseLspciNnmm } from '../../shared/parse/lspci';
import type { LspciEntry } from '../../shared/parse/lspci';
import { parsePciIds } from '../../shared/parse/pci-ids';
import type { PciIds } from '../../shared/parse/pci-ids';
import { LSPCI_ARGV } from './commands';
import { baseName, pciAddressesInPath } from './read-context';
import type { ReadContext } from './read-context';
import { joinPath } from '../host/paths';

export const PCI_DEVICES_DIR = '/sys/bus/pci/devices';
export const PCI_IDS_PATHS = [
  '/usr/share/hwdata/pci.ids',
  '/usr/share/misc/pci.ids',
  '/usr/share/pci.ids',
  '/run/current-system/sw/share/hwdata/pci.ids',
];

const HEX = /^0x([0-9a-f]+)$/i;

/** `0x10de` -> `10de`; null for anything else. */
function hexAttr(value: string | null, digits: number): string | null {
  const m = value === null ? null : HEX.exec(value);
  if (!m?.[1]) return null;
  return m[1].toLowerCase().padStart(digits, '0').slice(-digits);
}

interface RawPci {
  address: string;
  realPath: string | null;
  classHex: string | null;
  vendorId: string | null;
  deviceId: string | null;
  subsystemVendorId: string | null;
  subsystemDeviceId: string | null;
  revision: string | null;
  bootVga: boolean | null;
  resetMethods: string[] | null;
  driverOverride: string | null;
  driver: string | null;
  iommuGroup: number | null;
}

async function readOne(ctx: ReadContext, address: string): Promise<RawPci> {
  const dir = `${PCI_DEVICES_DIR}/${address}`;
  const subject = { subject: address };
  const [
    link,
    cls,
    vendor,
    device,
    subVendor,
    subDevice,
    revision,
    bootVga,
    reset,
    override,
    driver,
    group,
  ] = await Promise.all([
    ctx.link(dir),
    ctx.attr(`${dir}/class`, { code: 'pci.class', ...subject }),
    ctx.attr(`${dir}/vendor`, { code: 'pci.vendor', ...subject }),
    ctx.attr(`${dir}/device`, { code: 'pci.device', ...subject }),
    ctx.attr(`${dir}/subsystem_vendor`),
    ctx.attr(`${dir}/subsystem_device`),
    ctx.attr(`${dir}/revision`),
    ctx.attr(`${dir}/boot_vga`),
    ctx.attr(`${dir}/reset_method`),
    ctx.attr(`${dir}/driver_override`),
    ctx.link(`${dir}/driver`),
    ctx.link(`${dir}/iommu_group`),
  ]);
  const groupId = group === null ? null : Number.parseInt(baseName(group), 10);
  return {
    address,
    realPath: link === null ? null : joinPath(PCI_DEVICES_DIR, link),
    classHex: hexAttr(cls, 6),
    vendorId: hexAttr(vendor, 4),
    deviceId: hexAttr(device, 4),
    subsystemVendorId: hexAttr(subVendor, 4),
    subsystemDeviceId: hexAttr(subDevice, 4),
    revision: hexAttr(revision, 2),
    bootVga: bootVga === null ? null : bootVga === '1',
    // The file exists only on kernels >= 5.15; empty content means "no reset method".
    resetMethods: reset === null ? null : reset.split(/\s+/).filter(Boolean),
    driverOverride: override === null || override === '(null)' || override === '' ? null : override,
    driver: driver === null ? null : baseName(driver),
    iommuGroup: groupId !== null && Number.isFinite(groupId) ? groupId : null,
  };
}

interface Namer {
  source: PciDevice['nameSource'];
  names(
    raw: RawPci,
    classCode: string,
  ): { vendorName: string; deviceName: string; className: string };
}

async function makeNamer(ctx: ReadContext): Promise<Namer> {
  const out = await ctx.run(LSPCI_ARGV, {
    code: 'pci.lspci',
    missingTool: 'device names come from a pci.ids file or are shown as IDs (install pciutils).',
  });
  if (out !== null) {
    const entries = ctx.parse('lspci -nnmm -D', 'pci.lspci', () => parseLspciNnmm(out));
    if (entries !== null) {
      const byAddress = new Map<string, LspciEntry>(entries.map((e) => [e.address, e]));
      return {
        source: 'lspci',
        names(raw, classCode) {
          const e = byAddress.get(raw.address);
          return {
            vendorName: e?.vendorName ?? raw.vendorId ?? 'unknown',
            deviceName: e?.deviceName ?? raw.deviceId ?? 'unknown',
            className: e?.className ?? pciClassName(classCode),
          };
        },
      };
    }
  }
  let ids: PciIds | null = null;
  for (const path of PCI_IDS_PATHS) {
    const text = await ctx.text(path, { optional: true });
    if (text !== null) {
      ids = ctx.parse(path, 'pci.ids', () => parsePciIds(text));
      if (ids !== null) break;
    }
  }
  if (ids !== null) {
    const db = ids;
    return {
      source: 'pci.ids',
      names(raw, classCode) {
        const vendorId = raw.vendorId ?? '';
        return {
          vendorName: db.vendorName(vendorId) ?? vendorId,
          deviceName: db.deviceName(vendorId, raw.deviceId ?? '') ?? raw.deviceId ?? 'unknown',
          className: db.className(classCode) ?? pciClassName(classCode),
        };
      },
    };
  }
  ctx.report(
    diagnostic(
      'pci.names',
      'info',
      'Neither lspci nor a pci.ids file was found: devices are shown by vendor and device ID.',
      {
        fix: 'Install pciutils (NixOS: environment.systemPackages = [ pkgs.pciutils ]).',
      },
    ),
  );
  return {
    source: 'ids',
    names(raw, classCode) {
      return {
        vendorName: raw.vendorId ?? 'unknown',
        deviceName: raw.deviceId ?? 'unknown',
        className: pciClassName(classCode),
      };
    },
  };
}

export async function readPciDevices(ctx: ReadContext): Promise<PciDevice[]> {
  const listing = await ctx.dir(PCI_DEVICES_DIR, { code: 'pci.sysfs' });
  if (listing === null) return [];
  const addresses = listing.filter((name) => {
    if (PCI_ADDRESS_RE.test(name)) return true;
    ctx.report(
      diagnostic(
        'pci.odd-entry',
        'info',
        `Ignored ${PCI_DEVICES_DIR}/${JSON.stringify(name).slice(1, -1)}: not a PCI address.`,
      ),
    );
    return false;
  });
  const [raws, namer] = await Promise.all([
    Promise.all(addresses.map((a) => readOne(ctx, a))),
    makeNamer(ctx),
  ]);

  const devices: PciDevice[] = [];
  for (const raw of raws) {
    if (raw.classHex === null || raw.vendorId === null || raw.deviceId === null) {
      ctx.report(
        diagnostic(
          'pci.unreadable',
          'warning',
          `PCI device ${raw.address} has unreadable class or IDs and is left out.`,
          {
            subject: raw.address,
            source: `${PCI_DEVICES_DIR}/${raw.address}`,
          },
        ),
      );
      continue;
    }
    const classCode = raw.classHex.slice(0, 4);
    const chain = raw.realPath === null ? [] : pciAddressesInPath(raw.realPath);
    const self = chain.lastIndexOf(raw.address);
    const parent = self > 0 ? chain[self - 1] : undefined;
    const names = namer.names(raw, classCode);
    devices.push({
      address: raw.address,
      slot: raw.address.slice(0, -2),
      function: Number.parseInt(raw.address.slice(-1), 10),
      classCode,
      progIf: raw.classHex.slice(4, 6),
      className: names.className,
      vendorId: raw.vendorId,
      deviceId: raw.deviceId,
      subsystemVendorId: raw.subsystemVendorId,
      subsystemDeviceId: raw.subsystemDeviceId,
      revision: raw.revision,
      vendorName: names.vendorName,
      deviceName: names.deviceName,
      nameSource: namer.source,
      driver: raw.driver,
      driverOverride: raw.driverOverride,
      iommuGroup: raw.iommuGroup,
      bootVga: raw.bootVga,
      resetMethods: raw.resetMethods,
      parentBridge: parent ?? null,
      slotFunctions: [],
    });
  }
  const bySlot = new Map<string, string[]>();
  for (const d of devices) bySlot.set(d.slot, [...(bySlot.get(d.slot) ?? []), d.address]);
  for (const d of devices)
    d.slotFunctions = (bySlot.get(d.slot) ?? []).filter((a) => a !== d.address);
  return devices;
}
