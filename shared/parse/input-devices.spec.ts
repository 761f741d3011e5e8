// /proc/bus/input/devices: a USB keyboard with its Consumer/System Control siblings, a USB mouse,
// ACPI buttons and HDMI jacks, captured on a real iMac running Ubuntu.
import { describe, it, expect } from 'vitest';
import { parseInputDevices } from './input-devices';
import { ParseError } from '../model/errors';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';

describe('parseInputDevices on a real listing', () => {
  const devices = parseInputDevices(readSystemFixture('input-devices-imac-usb-keyboard.txt'));

  it('reads every device', () => {
    expect(devices).toHaveLength(18);
  });

  it('finds the keyboards: the USB keyboard and the Bluetooth HID proxy, not its control interfaces', () => {
    expect(devices.filter((d) => d.isKeyboard).map((d) => d.name)).toEqual([
      '  wired keyboard',
      'Broadcom Corp. Bluetooth USB Host Controller',
    ]);
    const names = devices
      .filter((d) => !d.isKeyboard && d.handlers.includes('kbd'))
      .map((d) => d.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'Power Button',
        'Sleep Button',
        'Video Bus',
        '  wired keyboard Consumer Control',
        '  wired keyboard System Control',
        'FaceTime HD Camera (Built-in): ',
      ]),
    );
  });

  it('finds the mice by their mouseN handler', () => {
    expect(devices.filter((d) => d.isMouse).map((d) => d.handlers)).toEqual([
      ['mouse0', 'event7'],
      ['mouse1', 'event9'],
    ]);
  });

  it('keeps the sysfs path that ties a device to its USB controller', () => {
    const kbd = devices.find((d) => d.name === '  wired keyboard');
    expect(kbd?.sysfsPath).toBe(
      '/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/0003:046A:0180.0001/input/input4',
    );
    expect(kbd?.handlers).toEqual(['sysrq', 'kbd', 'event4', 'leds']);
  });
});

describe('parseInputDevices edge cases', () => {
  it('reads bitmaps in 32-bit words (AT keyboard pasted from a 32-bit machine, used here as a synthetic case)', () => {
    const text =
      'I: Bus=0011 Vendor=0001 Product=0001 Version=ab54\nN: Name="AT Translated Set 2 keyboard"\nP: Phys=isa0060/serio0/input0\nS: Sysfs=/class/input/input1\nU: Uniq=\nH: Handlers=kbd event1 \nB: EV=120013\nB: KEY=4 2000000 3802078 f840d001 feffffdf ffefffff ffffffff fffffffe\nB: MSC=10\nB: LED=7\n';
    expect(parseInputDevices(text)).toEqual([
      {
        name: 'AT Translated Set 2 keyboard',
        sysfsPath: '/class/input/input1',
        handlers: ['kbd', 'event1'],
        isKeyboard: true,
        isMouse: false,
      },
    ]);
  });

  it('does not call a keypad without letters a keyboard (synthetic: EV_REP but no KEY_Q/KEY_A)', () => {
    const text = 'N: Name="Numpad"\nH: Handlers=kbd event3\nB: EV=120013\nB: KEY=3ff80000000 0\n';
    expect(parseInputDevices(text)[0]?.isKeyboard).toBe(false);
  });

  it('returns [] for an empty file and rejects malformed lines', () => {
    expect(parseInputDevices('')).toEqual([]);
    expect(() => parseInputDevices('N: Name="x"\nnot a line\n')).toThrow(ParseError);
    expect(() => parseInputDevices('H: Handlers=kbd\n')).toThrow(/Name/);
    expect(() => parseInputDevices('N: Name="x"\nB: EV=zz\n')).toThrow(/line 2/);
  });
});
