// lspci -nnmm against real captures (see test/fixtures/system/SOURCES.md) and pciutils' quoting rules.
import { describe, it, expect } from 'vitest';
import { parseLspciNnmm } from './lspci';
import { ParseError } from '../model/errors';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';

describe('parseLspciNnmm on a Dell blade (no -D)', () => {
  const entries = parseLspciNnmm(readSystemFixture('lspci-nnmm-dell-blade-xenserver.txt'));

  it('reads every function and adds the 0000 domain', () => {
    expect(entries).toHaveLength(37);
    expect(entries[0]?.address).toBe('0000:00:00.0');
    expect(entries.at(-1)?.address).toBe('0000:ff:05.3');
  });

  it('splits names from IDs, with revision and subsystem', () => {
    expect(entries[0]).toEqual({
      address: '0000:00:00.0',
      className: 'Host bridge',
      classCode: '0600',
      vendorName: 'Intel Corporation',
      vendorId: '8086',
      deviceName: 'Core Processor DMI',
      deviceId: 'd130',
      revision: '11',
      progIf: null,
      subsystemVendorName: 'Dell',
      subsystemVendorId: '1028',
      subsystemName: 'Device',
      subsystemId: '02a3',
    });
  });

  it('gives null subsystem fields for the empty "" "" of bridges', () => {
    const bridge = entries.find((e) => e.address === '0000:00:03.0');
    expect(bridge?.classCode).toBe('0604');
    expect(bridge?.subsystemVendorId).toBeNull();
    expect(bridge?.subsystemName).toBeNull();
  });

  it('reads -r and -p together', () => {
    const bridge = entries.find((e) => e.address === '0000:00:1e.0');
    expect(bridge).toMatchObject({ deviceName: '82801 PCI Bridge', revision: 'a5', progIf: '01' });
  });

  it('keeps names that contain slashes and spaces', () => {
    const raid = entries.find((e) => e.address === '0000:03:00.0');
    expect(raid).toMatchObject({
      vendorName: 'LSI Logic / Symbios Logic',
      vendorId: '1000',
      subsystemName: 'SAS 6/iR Integrated Blades RAID Controller',
      subsystemId: '1f0f',
    });
  });
});

describe('parseLspciNnmm on a Raptor Lake box with an RTX 4000 SFF Ada', () => {
  const entries = parseLspciNnmm(readSystemFixture('lspci-nnmm-raptor-lake-rtx4000-ada.txt'));

  it('takes the last [xxxx] as the ID when the name has brackets of its own', () => {
    const gpu = entries.find((e) => e.address === '0000:01:00.0');
    expect(gpu).toMatchObject({
      classCode: '0300',
      vendorName: 'NVIDIA Corporation',
      vendorId: '10de',
      deviceName: 'AD104GL [RTX 4000 SFF Ada Generation]',
      deviceId: '27b0',
      revision: 'a1',
      progIf: '00',
      subsystemName: 'AD104GL [RTX 4000 SFF Ada Generation]',
      subsystemId: '16fa',
    });
  });

  it('sees the GPU audio function as a separate function of the same slot', () => {
    const audio = entries.find((e) => e.address === '0000:01:00.1');
    expect(audio).toMatchObject({ classCode: '0403', deviceName: 'Device', deviceId: '22bc' });
  });

  it('reads a -p without -r', () => {
    const nvme = entries.find((e) => e.address === '0000:02:00.0');
    expect(nvme).toMatchObject({ revision: null, progIf: '02', classCode: '0108' });
  });
});

describe('parseLspciNnmm edge cases (synthetic lines in pciutils format)', () => {
  it('keeps the domain printed by -D, including a five-digit VMD domain', () => {
    const text =
      '0000:01:00.0 "VGA compatible controller [0300]" "NVIDIA Corporation [10de]" "GP107 [GeForce GTX 1050 Ti] [1c82]" -ra1 "ASUSTeK Computer Inc. [1043]" "Device [8613]"\n' +
      '10000:e1:00.0 "Non-Volatile memory controller [0108]" "Intel Corporation [8086]" "Device [f1a8]" -r03 -p02 "Intel Corporation [8086]" "Device [390d]"\n';
    const [gpu, nvme] = parseLspciNnmm(text);
    expect(gpu).toMatchObject({
      address: '0000:01:00.0',
      deviceName: 'GP107 [GeForce GTX 1050 Ti]',
      deviceId: '1c82',
    });
    expect(nvme?.address).toBe('10000:e1:00.0');
  });

  it('undoes the backslash escaping of quotes and backslashes', () => {
    const text =
      '00:02.0 "Display controller [0380]" "Acme \\"Labs\\" [abcd]" "A\\\\B [0001]" "" ""';
    const [entry] = parseLspciNnmm(text);
    expect(entry?.vendorName).toBe('Acme "Labs"');
    expect(entry?.deviceName).toBe('A\\B');
  });

  it('accepts CRLF line ends and blank lines, and an empty listing', () => {
    const text =
      '00:00.0 "Host bridge [0600]" "Intel Corporation [8086]" "Device [3e0f]" -r08 "" ""\r\n\r\n';
    expect(parseLspciNnmm(text)).toHaveLength(1);
    expect(parseLspciNnmm('')).toEqual([]);
  });

  it('says -nn is missing when the IDs are not there (lspci -mm from pciutils issue #37)', () => {
    const text =
      '00:00.0 "Host bridge" "Intel Corporation" "440FX - 82441FX PMC [Natoma]" -r02 "Red Hat, Inc." "Qemu virtual machine"';
    expect(() => parseLspciNnmm(text)).toThrow(ParseError);
    expect(() => parseLspciNnmm(text)).toThrow(/-nn/);
  });

  it('rejects lines that are not lspci -mm lines, naming the line', () => {
    expect(() =>
      parseLspciNnmm('00:00.0 Host bridge [0600]: Intel Corporation [8086:3e0f]'),
    ).toThrow(ParseError);
    expect(() => parseLspciNnmm('\nnot an address "x [0000]" "y [0000]" "z [0000]"')).toThrow(
      /line 2/,
    );
    expect(() =>
      parseLspciNnmm('00:00.0 "Host bridge [0600]" "Intel [8086]" "unterminated'),
    ).toThrow(ParseError);
  });
});
