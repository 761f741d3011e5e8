import { beforeAll, describe, expect, it } from 'vitest';
import { loadDemoHost } from '../../../electron/host/select-host';
import { readInventory } from '../../../electron/inventory/read-inventory';
import type { Inventory } from '../../../shared/model/inventory';
import { passthroughVerdicts, rootPoolName } from './device-roles';
import { devicePassability, machineAnswers } from './machine-answers';

let demo: Inventory;
beforeAll(async () => {
  demo = await readInventory(await loadDemoHost());
});

describe('machineAnswers', () => {
  it("answers the demo machine's questions in one line each", () => {
    const lines = machineAnswers(demo, passthroughVerdicts(demo), rootPoolName(demo));
    const by = (start: string) => lines.find((l) => l.title.startsWith(start));
    expect(by('Pool zroot')).toMatchObject({ title: 'Pool zroot (root)', label: 'ONLINE' });
    expect(by('Pool zroot')?.detail).toMatch(/^\d+ GiB free of \d+ GiB\.$/);
    expect(by('GPU 01:00.0')).toMatchObject({
      verdict: 'ok',
      detail: 'Goes with 01:00.1, 01:00.2, 01:00.3.',
    });
    expect(by('GPU 04:00.0')?.verdict).toBe('refuse');
    expect(by('GPU 04:00.0')?.detail).toMatch(/SATA controller/);
    expect(by('GPU 00:02.0')?.verdict).toBe('refuse');
    expect(lines.filter((l) => l.kind === 'usb')).toHaveLength(demo.usb.length);
    expect(lines).toHaveLength(demo.zfs.pools.length + demo.gpus.length + demo.usb.length);
  });
});

describe('devicePassability', () => {
  it("gives a card's other functions its verdict, and a refused group's devices theirs", () => {
    const pass = devicePassability(passthroughVerdicts(demo));
    expect(pass.get('0000:01:00.0')).toBe('ok');
    // The audio function goes with the card (ok) and the card's USB controller (with care).
    expect(pass.get('0000:01:00.1')).toBe('ok');
    expect(pass.get('0000:01:00.2')).toBe('warn');
    // The SATA controller goes only with the refused RX 560.
    expect(pass.get('0000:00:17.0')).toBe('refuse');
    expect(pass.get('0000:04:00.0')).toBe('refuse');
    // Not a GPU or USB controller and never goes with one: no verdict.
    expect(pass.get('0000:00:00.0')).toBeUndefined();
  });
});
