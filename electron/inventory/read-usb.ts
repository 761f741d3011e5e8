// USB controllers (PCI class 0c03) and the devices behind each, with keyboards and mice marked
// from the kernel's input devices, so the UI can say which controller the host cannot give away.
import type { PciDevice, UsbController, UsbDevice } from '../../shared/model/inventory';
import { USB_CONTROLLER_CLASS } from '../../shared/model/pci-classes';
import { parseInputDevices } from '../../shared/parse/input-devices';
import { pciAddressesInPath } from './read-context';
import type { ReadContext } from './read-context';

const USB_DIR = '/sys/bus/usb/devices';
const DEVICE_NAME = /^(usb\d+|\d+-\d+(\.\d+)*)$/;
const INTERFACE_NAME = /^(\d+-\d+(\.\d+)*|\d+-0):\d+\.\d+$/;

interface RawUsb extends UsbDevice {
  controller: string | null;
}

function int(value: string | null): number | null {
  if (value === null) return null;
  const n = Number.parseFloat(value);
  return Number.isFinite(n) ? n : null;
}

/** The USB device a sysfs path belongs to: the component before the first interface component. */
function usbDeviceOfPath(path: string): string | null {
  const parts = path.split('/');
  const i = parts.findIndex((p) => INTERFACE_NAME.test(p));
  if (i <= 0) return null;
  const device = parts[i - 1] ?? '';
  return DEVICE_NAME.test(device) ? device : null;
}

async function readDevice(ctx: ReadContext, name: string, interfaces: string[]): Promise<RawUsb> {
  const dir = `${USB_DIR}/${name}`;
  const [link, vendor, product, manufacturer, productName, speed, busnum, devnum, devClass] =
    await Promise.all([
      ctx.link(dir),
      ctx.attr(`${dir}/idVendor`),
      ctx.attr(`${dir}/idProduct`),
      ctx.attr(`${dir}/manufacturer`),
      ctx.attr(`${dir}/product`),
      ctx.attr(`${dir}/speed`),
      ctx.attr(`${dir}/busnum`),
      ctx.attr(`${dir}/devnum`),
      ctx.attr(`${dir}/bDeviceClass`),
    ]);
  const classes = await Promise.all(
    interfaces.map(async (i) => {
      const [c, s, p] = await Promise.all([
        ctx.attr(`${USB_DIR}/${i}/bInterfaceClass`),
        ctx.attr(`${USB_DIR}/${i}/bInterfaceSubClass`),
        ctx.attr(`${USB_DIR}/${i}/bInterfaceProtocol`),
      ]);
      return `${c ?? '??'}/${s ?? '??'}/${p ?? '??'}`;
    }),
  );
  const chain = link === null ? [] : pciAddressesInPath(link);
  return {
    port: name,
    busnum: int(busnum) ?? 0,
    devnum: int(devnum) ?? 0,
    vendorId: vendor ?? '',
    productId: product ?? '',
    manufacturer,
    product: productName,
    speedMbps: int(speed),
    isHub: devClass === '09',
    isKeyboard: false,
    isMouse: false,
    interfaces: classes,
    controller: chain[chain.length - 1] ?? null,
  };
}

export async function readUsbControllers(
  ctx: ReadContext,
  pci: readonly PciDevice[],
): Promise<UsbController[]> {
  const controllers = pci.filter((d) => d.classCode === USB_CONTROLLER_CLASS);
  const [entries, inputText] = await Promise.all([
    ctx.dir(USB_DIR, { optional: true, code: 'usb.sysfs' }),
    ctx.text('/proc/bus/input/devices', { optional: true, code: 'usb.input' }),
  ]);
  const names = (entries ?? []).filter((e) => DEVICE_NAME.test(e));
  const interfacesOf = new Map<string, string[]>();
  for (const e of entries ?? []) {
    if (!INTERFACE_NAME.test(e)) continue;
    const device = e.slice(0, e.indexOf(':'));
    const owner = device.endsWith('-0') ? `usb${device.slice(0, -2)}` : device;
    interfacesOf.set(owner, [...(interfacesOf.get(owner) ?? []), e]);
  }
  const devices = await Promise.all(
    names.map((n) => readDevice(ctx, n, interfacesOf.get(n) ?? [])),
  );

  const inputs =
    inputText === null
      ? null
      : ctx.parse('/proc/bus/input/devices', 'usb.input', () => parseInputDevices(inputText));
  const byName = new Map(devices.map((d) => [d.port, d]));
  if (inputs !== null) {
    for (const input of inputs) {
      const owner = input.sysfsPath === null ? null : usbDeviceOfPath(input.sysfsPath);
      const device = owner === null ? undefined : byName.get(owner);
      if (device === undefined) continue;
      device.isKeyboard ||= input.isKeyboard;
      device.isMouse ||= input.isMouse;
    }
  } else {
    // Without the input list, fall back to the HID boot protocol of each interface.
    for (const d of devices) {
      d.isKeyboard = d.interfaces.includes('03/01/01');
      d.isMouse = d.interfaces.includes('03/01/02');
    }
  }

  return controllers.map((c) => {
    const mine = devices.filter((d) => d.controller === c.address);
    const roots = mine.filter((d) => d.port.startsWith('usb'));
    const attached: UsbDevice[] = mine
      .filter((d) => !d.port.startsWith('usb'))
      .sort((a, b) => a.busnum - b.busnum || a.port.localeCompare(b.port, 'en', { numeric: true }))
      .map(({ controller: _controller, ...rest }) => rest);
    return {
      address: c.address,
      name: `${c.vendorName} ${c.deviceName}`,
      buses: roots.map((r) => r.busnum).sort((a, b) => a - b),
      devices: attached,
      hasKeyboard: attached.some((d) => d.isKeyboard),
      hasMouse: attached.some((d) => d.isMouse),
    };
  });
}
