// The pool's ashift as the inventory reads it from `zpool get all`: the value RAID-Z reservations
// are scaled with, and what happens when the property is 0 (auto) or not a number.
import { describe, expect, it } from 'vitest';
import { buildDemoMachine } from '../../test/machines/demo-machine';
import { ZPOOL_GET_ARGV } from './commands';
import { readInventory } from './read-inventory';

async function withAshift(value: string | null) {
  const machine = buildDemoMachine();
  const real = (await machine.run(ZPOOL_GET_ARGV)).stdout;
  const lines = real.split('\n').filter((l) => !/^zroot\tashift\t/.test(l));
  if (value !== null) lines.push(`zroot\tashift\t${value}`);
  const inv = await readInventory(machine.command(ZPOOL_GET_ARGV, { stdout: lines.join('\n') }));
  return inv.zfs.pools.find((p) => p.name === 'zroot')?.ashift;
}

describe('readZfs: ashift', () => {
  it('reads the demo pool ashift from zpool get all', async () => {
    const inv = await readInventory(buildDemoMachine());
    expect(inv.zfs.pools.find((p) => p.name === 'zroot')?.ashift).toBe(12);
  });

  it('keeps 0 (ZFS chose per disk), and takes 9 and 13 as they are', async () => {
    expect(await withAshift('0')).toBe(0);
    expect(await withAshift('9')).toBe(9);
    expect(await withAshift('13')).toBe(13);
  });

  it('gives null for a missing or implausible value', async () => {
    expect(await withAshift(null)).toBeNull();
    expect(await withAshift('-')).toBeNull();
    expect(await withAshift('4')).toBeNull();
    expect(await withAshift('12x')).toBeNull();
  });
});
