// /proc/cpuinfo on an Intel Xen dom0, an AMD laptop and an AMD KVM guest (real captures).
import { describe, it, expect } from 'vitest';
import { parseCpuinfo } from './cpuinfo';
import { ParseError } from '../model/errors';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';

describe('parseCpuinfo', () => {
  it('reads a Xeon seen from a Xen dom0: vmx and ept, no physical id lines', () => {
    expect(parseCpuinfo(readSystemFixture('cpuinfo-xeon-x3430-xen-dom0.txt'))).toEqual({
      vendor: 'intel',
      vendorId: 'GenuineIntel',
      model: 'Intel(R) Xeon(R) CPU           X3430  @ 2.40GHz',
      sockets: 1,
      cores: 4,
      threads: 4,
      virtualization: 'vmx',
      flags: ['vmx', 'ept', 'hypervisor'],
    });
  });

  it('reads a Ryzen laptop: svm, npt, 1 GiB pages; two SMT siblings of one core', () => {
    expect(parseCpuinfo(readSystemFixture('cpuinfo-ryzen7-7735hs-first-two.txt'))).toEqual({
      vendor: 'amd',
      vendorId: 'AuthenticAMD',
      model: 'AMD Ryzen 7 7735HS with Radeon Graphics',
      sockets: 1,
      cores: 1,
      threads: 2,
      virtualization: 'svm',
      flags: ['svm', 'npt', 'pdpe1gb', 'x2apic'],
    });
  });

  it('reports no virtualisation inside a KVM guest whose CPU hides svm', () => {
    const cpu = parseCpuinfo(readSystemFixture('cpuinfo-ryzen7-2700x-kvm-guest.txt'));
    expect(cpu.virtualization).toBeNull();
    expect(cpu.flags).toEqual(['hypervisor', 'x2apic']);
    expect(cpu).toMatchObject({ vendor: 'amd', sockets: 1, cores: 1, threads: 1 });
  });

  it('counts sockets and cores on a two-socket machine (synthetic, 2 sockets x 2 cores x 2 threads)', () => {
    const blocks: string[] = [];
    let n = 0;
    for (const socket of [0, 1])
      for (const core of [0, 1])
        for (let t = 0; t < 2; t++) {
          blocks.push(
            `processor\t: ${n++}\nvendor_id\t: GenuineIntel\nmodel name\t: X\nphysical id\t: ${socket}\ncore id\t\t: ${core}\ncpu cores\t: 2\nflags\t\t: fpu vmx\n`,
          );
        }
    expect(parseCpuinfo(blocks.join('\n'))).toMatchObject({
      sockets: 2,
      cores: 4,
      threads: 8,
      virtualization: 'vmx',
    });
  });

  it('falls back to cpu cores x sockets when core id is missing (synthetic)', () => {
    const text =
      'processor\t: 0\nvendor_id\t: Weird\nphysical id\t: 0\ncpu cores\t: 6\n\nprocessor\t: 1\nvendor_id\t: Weird\nphysical id\t: 0\ncpu cores\t: 6\n';
    expect(parseCpuinfo(text)).toMatchObject({
      vendor: 'other',
      sockets: 1,
      cores: 6,
      threads: 2,
      flags: [],
    });
  });

  it('rejects text without processors, or with lines that are not key : value', () => {
    expect(() => parseCpuinfo('')).toThrow(ParseError);
    expect(() => parseCpuinfo('processor\t: 0\ngarbage\n')).toThrow(/line 2/);
  });
});
