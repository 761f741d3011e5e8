// A VM cannot have more memory than the host has in all: that is an error; nearly all of it is
// a warning; what leaves the host room is neither.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDemoHost } from '../../electron/host/select-host';
import { readInventory } from '../../electron/inventory/read-inventory';
import type { Inventory } from '../model/inventory';
import { seedLayout } from './examples';
import { validate } from './validate';

let demo: Inventory;
beforeAll(async () => {
  demo = await readInventory(await loadDemoHost());
});

const memoryFindings = (memoryMiB: number) => {
  const layout = seedLayout(demo);
  layout.vms = layout.vms.map((vm) => ({ ...vm, memoryMiB }));
  return validate(demo, layout)
    .filter((d) => d.subject === 'vms[0].memoryMiB')
    .map((d) => `${d.severity}:${d.code}`);
};

describe('VM memory against the host', () => {
  it('is an error above the host memory, a warning near it, and fine below', () => {
    const hostMiB = Math.floor((demo.memory?.totalBytes ?? 0) / 2 ** 20);
    expect(hostMiB).toBeGreaterThan(4096);
    expect(memoryFindings(999_999)).toEqual(['error:vm.memory-over-host']);
    expect(memoryFindings(hostMiB + 1)).toEqual(['error:vm.memory-over-host']);
    expect(memoryFindings(Math.ceil(hostMiB * 0.95))).toEqual(['warning:vm.memory']);
    expect(memoryFindings(4096)).toEqual([]);
  });
});
