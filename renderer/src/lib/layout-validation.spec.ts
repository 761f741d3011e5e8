// The editor's checks on the demo machine (the shipped snapshot, read by the real readers): the
// seed layout, the RX 560 refused for sharing group 8 with the SATA controller of /srv/data, the
// display GPU refused until the host goes headless, and diagnostics pointed at their element.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDemoHost } from '../../../electron/host/select-host';
import { readInventory } from '../../../electron/inventory/read-inventory';
import type { Inventory } from '../../../shared/model/inventory';
import type { Layout } from '../../../shared/model/layout';
import { seedLayout } from '../../../shared/planner/examples';
import { addSystem, addVm, addVolume, setHeadless } from './layout-store';
import {
  checkDrop,
  deviceCards,
  diagnosticsAt,
  validateLayout,
  worstSeverity,
} from './layout-validation';

let demo: Inventory;
let seed: Layout;
beforeAll(async () => {
  demo = await readInventory(await loadDemoHost());
  seed = seedLayout(demo);
});

const NVIDIA = '0000:01:00.0';
const ASMEDIA = '0000:03:00.0';
const RX560 = '0000:04:00.0';
const IGPU = '0000:00:02.0';

describe('validateLayout on the demo machine', () => {
  it('finds no error in the seed layout', () => {
    const errors = validateLayout(demo, seed).filter((d) => d.severity === 'error');
    expect(errors).toEqual([]);
  });

  it('points the schema problems of a fresh system at its user fields', () => {
    const diags = validateLayout(demo, addSystem({ ...seed, systems: [] }));
    const user = diagnosticsAt(diags, 'systems[0].user');
    expect(user.map((d) => d.subject)).toEqual(
      expect.arrayContaining(['systems[0].user.name', 'systems[0].user.passwordHash']),
    );
    expect(worstSeverity(diagnosticsAt(diags, 'systems[0]'))).toBe('error');
    expect(diagnosticsAt(diags, 'systems[1]')).toEqual([]);
  });

  it('says a dataset that exists already cannot be used', () => {
    const layout = addVm(addVolume({ ...seed, systems: [], volumes: [], vms: [] }, 'zroot/vm'));
    const taken = {
      ...layout,
      volumes: layout.volumes.map((x) => ({ ...x, dataset: 'zroot/vm/win10' })),
    };
    const at = diagnosticsAt(validateLayout(demo, taken), 'volumes[0].dataset');
    expect(at.map((d) => d.code)).toContain('dataset.exists');
  });

  it('marks the VM whose devices include the mixed group', () => {
    const withRx = {
      ...seed,
      vms: seed.vms.map((vm) => ({ ...vm, devices: [...vm.devices, RX560] })),
    };
    const at = diagnosticsAt(validateLayout(demo, withRx), 'vms[0].devices');
    expect(at.some((d) => d.severity === 'error' && d.message.includes('/srv/data'))).toBe(true);
  });
});

describe('checkDrop on the demo machine', () => {
  const vmOnly = (): Layout => ({
    ...seed,
    vms: seed.vms.map((vm) => ({ ...vm, devices: [] })),
  });

  it('accepts the NVIDIA GPU with its four functions going along', () => {
    const r = checkDrop(demo, vmOnly(), 0, NVIDIA);
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(r.candidate.passTogether).toEqual([
        '0000:01:00.0',
        '0000:01:00.1',
        '0000:01:00.2',
        '0000:01:00.3',
      ]);
    expect(checkDrop(demo, vmOnly(), 0, ASMEDIA).ok).toBe(true);
  });

  it('refuses the RX 560, naming the SATA controller of /srv/data and the fix', () => {
    const r = checkDrop(demo, vmOnly(), 0, RX560);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reasons.join(' ')).toMatch(
      /group 8 also holds the SATA controller 0000:00:17\.0 .*\/srv\/data/,
    );
    expect(r.fixes.join(' ')).toMatch(/another slot/);
  });

  it('refuses the display GPU unless the host goes headless', () => {
    const kept = checkDrop(demo, vmOnly(), 0, IGPU);
    expect(kept.ok).toBe(false);
    if (!kept.ok) expect(kept.reasons.join(' ')).toMatch(/display/);
    expect(checkDrop(demo, setHeadless(vmOnly(), true), 0, IGPU).ok).toBe(true);
  });

  it('refuses a device whose card already belongs to another VM', () => {
    const two = addVm(addVolume(seed, 'zroot/vm'));
    const r = checkDrop(demo, two, 1, NVIDIA);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reasons[0]).toContain('macos');
  });
});

describe('deviceCards on the demo machine', () => {
  it('lists the three GPUs and the two USB controllers that are not a GPU function', () => {
    const cards = deviceCards(demo, seed);
    expect(cards.map((c) => c.address)).toEqual([IGPU, NVIDIA, RX560, '0000:00:14.0', ASMEDIA]);
    expect(cards.find((c) => c.address === NVIDIA)?.assignedTo).toBe(0);
    expect(cards.find((c) => c.address === RX560)?.candidate.verdict).toBe('refuse');
    expect(cards.find((c) => c.address === '0000:00:14.0')?.hasKeyboard).toBe(true);
  });
});
