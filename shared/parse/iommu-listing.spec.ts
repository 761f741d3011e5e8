// Tests for the IOMMU listing parser: real forum pastes (test/fixtures/iommu) and bad input.
import { describe, expect, it } from 'vitest';
import { iommuFixture as fixture } from '../../test/fixtures/iommu/iommu-fixtures';
import { ParseError } from '../model/errors';
import { listingToInventoryParts, parseIommuListing } from './iommu-listing';

describe('parseIommuListing on real listings', () => {
  it('reads the Arch-wiki format with tabs (ThinkPad P53)', () => {
    const l = parseIommuListing(fixture('thinkpad-p53-quadro-rtx4000.txt'));
    expect(l.groups).toHaveLength(29);
    expect(l.devices).toHaveLength(39);
    expect(l.diagnostics).toEqual([]);
    expect(l.groups.find((g) => g.id === 2)?.devices).toEqual([
      '0000:00:01.0',
      '0000:01:00.0',
      '0000:01:00.1',
      '0000:01:00.2',
      '0000:01:00.3',
    ]);
    expect(l.devices.find((d) => d.address === '0000:01:00.3')).toEqual({
      address: '0000:01:00.3',
      group: 2,
      classCode: '0c80',
      className: 'Serial bus controller',
      vendorId: '10de',
      deviceId: '1ad9',
      name: 'NVIDIA Corporation TU104 USB Type-C UCSI Controller',
      revision: 'a1',
      driver: null,
    });
  });

  it('reads the one-line lowercase format with groups out of order and forum text around it', () => {
    const l = parseIommuListing(fixture('intel-z370-gt1030.txt'));
    expect(l.groups.map((g) => g.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(l.devices).toHaveLength(21);
    // The title, the shell prompt, its continuation and BOOT_IMAGE are reported, not parsed.
    expect(l.diagnostics.map((d) => d.code)).toEqual(Array(4).fill('iommu-listing.ignored-line'));
    expect(l.devices.find((d) => d.address === '0000:01:00.0')?.name).toBe(
      'NVIDIA Corporation GP108 [GeForce GT 1030]',
    );
    expect(l.devices.find((d) => d.address === '0000:00:02.0')?.revision).toBeNull();
  });

  it('reads "IOMMU group N" headers without colon and with space indentation (Z170)', () => {
    const l = parseIommuListing(fixture('intel-z170-gtx960.txt'));
    expect(l.groups.map((g) => g.devices.length)).toEqual([
      1, 3, 1, 2, 1, 1, 1, 1, 1, 1, 4, 1, 1, 1,
    ]);
    expect(l.diagnostics).toEqual([]);
  });

  it('does not count listing lines repeated later inside backticks', () => {
    const l = parseIommuListing(fixture('amd-x570-gtx1080ti-gt710.txt'));
    expect(l.devices).toHaveLength(54);
    expect(l.untrustedGroups).toEqual([]);
    expect(l.diagnostics.some((d) => d.code === 'iommu-listing.duplicate-address')).toBe(false);
  });

  it('ends the last group at the shell prompt so that lspci output after it does not join', () => {
    const l = parseIommuListing(fixture('intel-alderlake-rx6700xt-split.txt'));
    expect(l.groups.find((g) => g.id === 35)?.devices).toEqual(['0000:41:00.0']);
    expect(l.untrustedGroups).toEqual([]);
    expect(
      l.diagnostics.some((d) => d.message.includes('device line outside any IOMMU group')),
    ).toBe(true);
  });

  it('keeps names with brackets and bus[E:B] intact', () => {
    const l = parseIommuListing(fixture('amd-x570-gtx1080ti-gt710.txt'));
    expect(l.devices.find((d) => d.address === '0000:00:07.1')).toMatchObject({
      name: 'Advanced Micro Devices, Inc. [AMD] Starship/Matisse Internal PCIe GPP Bridge 0 to bus[E:B]',
      vendorId: '1022',
      deviceId: '1484',
    });
  });
});

describe('parseIommuListing on the other formats people post (real posts)', () => {
  it('reads ls-iommu -grk: padded groups, the domain, no colon after the class, -k lines', () => {
    const l = parseIommuListing(fixture('ls-iommu-grk-amd-400-chipset.txt'));
    expect(l.groups).toEqual([
      {
        id: 12,
        devices: ['0000:01:00.0', '0000:01:00.1', '0000:01:00.2', '0000:02:00.0', '0000:02:01.0'],
      },
    ]);
    expect(l.untrustedGroups).toEqual([]);
    expect(l.devices[0]).toEqual({
      address: '0000:01:00.0',
      group: 12,
      classCode: '0c03',
      className: 'USB controller',
      vendorId: '1022',
      deviceId: '43d0',
      name: 'Advanced Micro Devices, Inc. [AMD] unknown',
      revision: '01',
      driver: 'xhci_hcd',
    });
    expect(l.devices.map((d) => d.driver)).toEqual([
      'xhci_hcd',
      'ahci',
      'pcieport',
      'pcieport',
      'pcieport',
    ]);
    // Only the sentence before the fence; the Subsystem and driver lines belong to their device.
    expect(l.diagnostics.map((d) => d.message)).toEqual([
      'line 1: not part of an IOMMU listing: "the output of utils/ls-iommu -grk is:"',
    ]);
  });

  it('reads ls-iommu -g quoted as inline code, and names the lspci line outside any group', () => {
    const l = parseIommuListing(fixture('ls-iommu-g-tigerlake-mx450.txt'));
    expect(l.groups).toEqual([{ id: 0, devices: ['0000:00:02.0'] }]);
    expect(l.devices[0]).toMatchObject({ classCode: '0300', vendorId: '8086', deviceId: '9a49' });
    expect(l.diagnostics.map((d) => d.message)).toContain(
      'line 2: device line outside any IOMMU group: "01:00.0 3D controller [0302]: NVIDIA Corporation TU117M [GeForce MX450] [10de..."',
    );
  });

  it('reads lines prefixed with the group in brackets: [IOMMU 12] 00:18.0 ...', () => {
    const l = parseIommuListing(fixture('bracket-group-prefix-rembrandt.txt'));
    expect(l.groups.map((g) => [g.id, g.devices.length])).toEqual([
      [0, 1],
      [10, 1],
      [11, 2],
      [12, 5],
    ]);
    expect(l.diagnostics).toHaveLength(1);
    expect(l.diagnostics[0]?.message).toMatch(/^line 2: not part of an IOMMU listing: "\$ for dp/);
  });

  it('reads IOMMU-viewer: "Group:  N   0000:..." with a trailing Driver column', () => {
    const l = parseIommuListing(fixture('iommu-viewer-group-driver-matisse.txt'));
    expect(l.groups.map((g) => g.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(l.devices.find((d) => d.address === '0000:00:01.1')).toMatchObject({
      deviceId: '1483',
      name: 'Advanced Micro Devices, Inc. [AMD] Starship/Matisse GPP Bridge',
      driver: 'pcieport',
    });
    expect(l.diagnostics.map((d) => d.message.slice(0, 8))).toEqual([
      'line 2: ',
      'line 3: ',
      'line 4: ',
      'line 5: ',
      'line 6: ',
    ]);
  });

  it('reads pci_iommu_list: IDs first, a reset mark, the group on the first line only', () => {
    const l = parseIommuListing(fixture('ids-first-group-gtx1660super.txt'));
    expect(l.groups).toEqual([
      { id: 15, devices: ['0000:09:00.0', '0000:09:00.1', '0000:09:00.2', '0000:09:00.3'] },
    ]);
    expect(l.devices.map((d) => [d.classCode, `${d.vendorId}:${d.deviceId}`])).toEqual([
      ['0300', '10de:21c4'],
      ['0403', '10de:1aeb'],
      ['0c03', '10de:1aec'],
      ['0c80', '10de:1aed'],
    ]);
    expect(l.devices[0]?.name).toBe('TU116 [GeForce GTX 1660 SUPER]');
    expect(l.diagnostics).toHaveLength(1);
    // A class name lspci would not print has no code: the line is named and the group distrusted.
    const odd = parseIommuListing('Group 3:\t[1234:5678] [R] 05:00.0  Gizmo thing     Acme Gizmo');
    expect(odd.untrustedGroups).toEqual([3]);
    expect(odd.diagnostics[0]?.message).toContain(
      'the class "Gizmo thing" has no known class code',
    );
  });

  it('hands the drivers a listing names to the inventory parts', () => {
    const { pci } = listingToInventoryParts(
      parseIommuListing(fixture('ls-iommu-grk-amd-400-chipset.txt')),
    );
    expect(pci.find((d) => d.address === '0000:01:00.1')?.driver).toBe('ahci');
  });
});

describe('parseIommuListing on what the common scripts print (real scripts, real listing)', () => {
  // The Arch-wiki listing of the ThinkPad P53, printed again the way other scripts print it.
  const p53 = parseIommuListing(fixture('thinkpad-p53-quadro-rtx4000.txt'));
  const line = (d: (typeof p53.devices)[number]) =>
    `${d.address.slice(5)} ${d.className} [${d.classCode}]: ${d.name} [${d.vendorId}:${d.deviceId}]${d.revision === null ? '' : ` (rev ${d.revision})`}`;
  const sameAsP53 = (text: string) => {
    const l = parseIommuListing(text);
    expect(l.groups).toEqual(p53.groups);
    expect(l.devices).toEqual(p53.devices);
    expect(l.diagnostics).toEqual([]);
  };

  it('strips colour codes: echo -e "\\033[1;34mIOMMU Group N:\\033[0m" then indented lines', () => {
    sameAsP53(
      p53.groups
        .map(
          (g) =>
            `\u001b[1;34mIOMMU Group ${g.id}:\u001b[0m\n${p53.devices
              .filter((d) => g.devices.includes(d.address))
              .map((d) => `  ${line(d)}`)
              .join('\n')}`,
        )
        .join('\n'),
    );
  });

  it('strips colour codes a copy left without ESC, and printf "${color}IOMMU Group %s ${reset}\\n" per device', () => {
    sameAsP53(
      p53.devices
        .map((d, i) => `${i % 2 ? '^[[0;32m' : '[0;31m'}IOMMU Group ${d.group} [0m\n${line(d)}`)
        .join('\n'),
    );
  });

  it('reads capitals, the IOMMMU typo of one script, ### Group N ### and (N) prefixes', () => {
    const by = (header: (g: number) => string) =>
      p53.devices.map((d) => `${header(d.group)}\n\t${line(d)}`).join('\n');
    sameAsP53(by((g) => `IOMMU GROUP ${g}`));
    sameAsP53(by((g) => `IOMMMU Group ${g}:`));
    sameAsP53(by((g) => `### Group ${g} ###`));
    sameAsP53(p53.devices.map((d) => `(${d.group}) 0000:${line(d)}`).join('\n'));
    sameAsP53(p53.devices.map((d) => `[${d.group}] ${line(d)}`).join('\n'));
    // ls-reset: `echo "IOMMU group N"`, then `[RESET]` before the devices that have a reset file.
    sameAsP53(by((g) => `IOMMU group ${g}`).replace(/\t(01:00\.0)/g, '[RESET]\t$1'));
  });

  it('names every line it cannot read, with its number and text', () => {
    // The AW script of the Arch forum prints `lspci -s` without -nn: no class code, no IDs.
    const l = parseIommuListing(
      '### Group 1 ###\n    00:01.0 PCI bridge: Intel Corporation Xeon E3-1200 v5 PCIe Controller (x16) (rev 07)\n(not a group) 01:00.0 is mine\n',
    );
    expect(l.untrustedGroups).toEqual([1]);
    expect(l.diagnostics.map((d) => d.message)).toEqual([
      'line 2: 0000:00:01.0 in group 1 cannot be read (no class code such as [0300]): "00:01.0 PCI bridge: Intel Corporation Xeon E3-1200 v5 PCIe Controller (x16) (..."; group 1 is treated as unknown',
      'line 3: not part of an IOMMU listing: "(not a group) 01:00.0 is mine"',
    ]);
  });
});

describe('parseIommuListing on awkward input (synthetic lines)', () => {
  const vga =
    '01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP106 [GeForce GTX 1060 6GB] [10de:1c03] (rev a1)';
  const audio =
    '01:00.1 Audio device [0403]: NVIDIA Corporation GP106 High Definition Audio Controller [10de:10f1] (rev a1)';

  it('accepts CRLF, trailing spaces, no final newline, the 0000: domain and upper-case hex', () => {
    const text = `IOMMU Group 7:   \r\n\t0000:${vga}  \r\n\t${audio.toUpperCase().replace('AUDIO DEVICE', 'Audio device')}`;
    const l = parseIommuListing(text);
    expect(l.groups).toEqual([{ id: 7, devices: ['0000:01:00.0', '0000:01:00.1'] }]);
    expect(l.devices[1]?.vendorId).toBe('10de');
  });

  it('keeps the longer domain of Intel VMD devices', () => {
    const l = parseIommuListing(
      'IOMMU Group 9 10000:e1:00.0 Non-Volatile memory controller [0108]: Samsung NVMe [144d:a80a]',
    );
    expect(l.devices[0]?.address).toBe('10000:e1:00.0');
    expect(listingToInventoryParts(l).pci[0]).toMatchObject({ slot: '10000:e1:00', function: 0 });
  });

  it('accepts "Group N:" headers', () => {
    expect(parseIommuListing(`Group 3:\n  ${vga}`).groups).toEqual([
      { id: 3, devices: ['0000:01:00.0'] },
    ]);
  });

  it('reports a device listed in two groups and distrusts both groups', () => {
    const l = parseIommuListing(
      `IOMMU Group 1 ${vga}\nIOMMU Group 4 ${vga}\nIOMMU Group 4 ${audio}`,
    );
    expect(l.untrustedGroups).toEqual([1, 4]);
    expect(l.groups.find((g) => g.id === 4)?.devices).toContain('0000:01:00.0');
    expect(l.diagnostics.map((d) => d.code)).toContain('iommu-listing.duplicate-address');
  });

  it('reports a group header with no devices', () => {
    const l = parseIommuListing(`IOMMU Group 1:\nIOMMU Group 2:\n\t${vga}`);
    expect(l.groups.map((g) => g.id)).toEqual([2]);
    expect(l.diagnostics).toMatchObject([
      { code: 'iommu-listing.empty-group', subject: 'group 1' },
    ]);
  });

  it('treats IDs that are not hex and lines cut short as unknown members of their group', () => {
    const l = parseIommuListing(
      `IOMMU Group 1:\n\t${vga.replace('10de:1c03', '10dg:1c03')}\n\t01:00.1 Audio device [0403]: NVIDIA Corpor`,
    );
    expect(l.devices).toEqual([]);
    expect(l.groups).toEqual([{ id: 1, devices: ['0000:01:00.0', '0000:01:00.1'] }]);
    expect(l.untrustedGroups).toEqual([1]);
    expect(l.diagnostics.map((d) => d.code)).toEqual([
      'iommu-listing.cut-line',
      'iommu-listing.cut-line',
    ]);
  });

  it('throws ParseError only when nothing looks like a listing', () => {
    expect(() => parseIommuListing('my GPU does not work, help\n')).toThrow(ParseError);
    expect(() => parseIommuListing('')).toThrow(ParseError);
  });

  it('stays linear on a 10 MB paste', () => {
    const block = `IOMMU Group 1:\n\t${vga}\nsome forum text [1234:5678] ${'['.repeat(50)}\n`;
    const text = block.repeat(Math.ceil(10_000_000 / block.length)) + 'x'.repeat(1_000_000);
    const start = performance.now();
    const l = parseIommuListing(text);
    expect(performance.now() - start).toBeLessThan(5000);
    expect(l.devices).toHaveLength(1);
    expect(l.untrustedGroups).toEqual([1]);
    expect(l.diagnostics.at(-1)?.code).toBe('iommu-listing.more-ignored');
  });
});

describe('listingToInventoryParts', () => {
  it('gives full PciDevices with unknown sysfs facts as null and the groups as an Iommu', () => {
    const { pci, iommu } = listingToInventoryParts(
      parseIommuListing(fixture('thinkpad-p53-quadro-rtx4000.txt')),
    );
    const gpu = pci.find((d) => d.address === '0000:01:00.0');
    expect(gpu).toMatchObject({
      slot: '0000:01:00',
      function: 0,
      classCode: '0300',
      iommuGroup: 2,
      driver: null,
      bootVga: null,
      resetMethods: null,
      slotFunctions: ['0000:01:00.1', '0000:01:00.2', '0000:01:00.3'],
    });
    expect(iommu.enabled).toBe(true);
    expect(iommu.interruptRemapping).toBe('unknown');
    expect(iommu.groups).toHaveLength(29);
  });
});
