// Booting a new system once (issue 16): the offer the seed plan carries on each demo machine, the
// one-step plan that takes it up, and crafted plans that try to use the verb for something else.
import { describe, expect, it } from 'vitest';
import { loadDemoHost } from '../../electron/host/select-host';
import { readInventory } from '../../electron/inventory/read-inventory';
import { readPlanFiles } from '../../electron/planner/read-plan-files';
import type { Plan } from '../model/plan';
import { parseHelperRequest } from '../ops/helper-protocol';
import { planConsistencyProblems } from '../ops/plan-consistency';
import { BootOnceError, bootOncePlan } from './boot-once';
import { seedLayout } from './examples';
import { plan } from './plan';

async function seedPlanOn(demo: string): Promise<Plan> {
  const host = await loadDemoHost(demo);
  const inventory = await readInventory(host);
  const layout = seedLayout(inventory);
  const files = await readPlanFiles(host, inventory, layout);
  return plan(inventory, layout, {
    id: '0123456789abcdef',
    now: '2026-12-07T00:00:00.000Z',
    files: files.files,
    dirs: files.dirs,
  });
}

const context = { id: 'fedcba9876543210', now: '2026-12-07T00:10:00.000Z' };

describe('the boot-once offer in a plan', () => {
  it('offers the new entry on twin-gpu, whose grubenv is on the FAT /boot', async () => {
    const p = await seedPlanOn('twin-gpu');
    expect(p.steps.length).toBeGreaterThan(0);
    expect(p.bootOnce).toEqual({
      possible: true,
      envFile: '/boot/grub/grubenv',
      entries: [{ entryId: 'cohabit-new-system', label: 'New System' }],
    });
  });

  it('says why not on the workstation, whose grubenv is on ZFS, and refuses to make the plan', async () => {
    const p = await seedPlanOn('workstation');
    expect(p.bootOnce).toMatchObject({ possible: false });
    expect(p.bootOnce?.possible === false ? p.bootOnce.reason : '').toMatch(/on ZFS/);
    expect(() => bootOncePlan(p, 'cohabit-new-system', context)).toThrow(
      /cannot make GRUB boot the new system just once: .*on ZFS.*pick the new system in the GRUB menu/s,
    );
  });
});

describe('bootOncePlan', () => {
  it('is one grub-editenv step on the plan entry, consistent, and passes the helper schema', async () => {
    const p = bootOncePlan(await seedPlanOn('twin-gpu'), 'cohabit-new-system', context);
    expect(p.id).toBe(context.id);
    expect(p.steps).toHaveLength(1);
    expect(p.steps[0]?.preview).toEqual({
      kind: 'command',
      argv: ['grub-editenv', '/boot/grub/grubenv', 'set', 'next_entry=cohabit-new-system'],
      shell: 'grub-editenv /boot/grub/grubenv set next_entry=cohabit-new-system',
    });
    expect(p.steps[0]?.undo.argv).toEqual([
      ['grub-editenv', '/boot/grub/grubenv', 'unset', 'next_entry'],
    ]);
    expect(p.steps[0]?.risk).toBe('modifies');
    expect(planConsistencyProblems(p)).toEqual([]);
    const parsed = parseHelperRequest({
      type: 'apply',
      plan: p,
      sha256: '0'.repeat(64),
      dryRun: true,
    });
    expect(parsed.ok).toBe(true);
  });

  it('refuses an entry the plan did not add, and a plan that adds none', async () => {
    const source = await seedPlanOn('twin-gpu');
    expect(() => bootOncePlan(source, 'cohabit-other', context)).toThrow(BootOnceError);
    const { bootOnce: _dropped, ...without } = source;
    expect(() => bootOncePlan(without, 'cohabit-new-system', context)).toThrow(
      /adds no GRUB entry/,
    );
  });
});

describe('crafted boot-once plans', () => {
  async function crafted(
    args: Record<string, unknown>,
  ): Promise<ReturnType<typeof parseHelperRequest>> {
    const p = bootOncePlan(await seedPlanOn('twin-gpu'), 'cohabit-new-system', context);
    const step = p.steps[0];
    if (step === undefined) throw new Error('no step');
    const evil = { ...p, steps: [{ ...step, call: { verb: 'grub.bootOnce', args } }] };
    return parseHelperRequest({ type: 'apply', plan: evil, sha256: '0'.repeat(64), dryRun: false });
  }

  it("cannot name an entry with ; or a newline, or one that is not Cohabit's", async () => {
    for (const entryId of [
      'cohabit-x;reboot',
      'cohabit-x\nsaved_entry=0',
      'cohabit-x next_entry=0',
      '0',
      'nixos-default',
      'cohabit-',
    ]) {
      const r = await crafted({ envFile: '/boot/grub/grubenv', entryId });
      expect(r.ok, entryId).toBe(false);
    }
  });

  it('cannot point grub-editenv at a file outside /boot, or climb out with ..', async () => {
    for (const envFile of [
      '/etc/shadow',
      '/etc/grub/grubenv',
      '/boot/../etc/grub/grubenv',
      '/boot/grub/../../etc/passwd',
      '/boot/./grub/grubenv',
      'boot/grub/grubenv',
      '/boot/grub/grubenv\n',
      '/boot/grub/grub.cfg',
    ]) {
      const r = await crafted({ envFile, entryId: 'cohabit-new-system' });
      expect(r.ok, envFile).toBe(false);
    }
  });
});
