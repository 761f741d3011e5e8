// apply:bootOnce through the backend on the demo machines: twin-gpu walks the one-step plan,
// the workstation (grubenv on ZFS) refuses with the reason, and an entry the plan did not add is
// refused before anything runs.
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../../shared/api/contract';
import { seedLayout } from '../../shared/planner/examples';
import type { Backend } from './backend';
import { createBackend } from './backend';

async function kept(backend: Backend) {
  const inventory = await backend.handlers['machine:inventory']({});
  return backend.handlers['plan:make']({ layout: seedLayout(inventory) });
}

function doneOf(backend: Backend): Promise<EventPayload<'apply:done'>> {
  return new Promise((resolve) => {
    backend.subscribe((channel, payload) => {
      if (channel === 'apply:done') resolve(payload as EventPayload<'apply:done'>);
    });
  });
}

describe('apply:bootOnce', () => {
  it('walks grub-editenv on the new entry on twin-gpu, as a plan of its own', async () => {
    const backend = createBackend(
      { kind: 'demo', name: 'twin-gpu' },
      { apply: { simulatedStepMs: 0 } },
    );
    const k = await kept(backend);
    expect(k.plan.bootOnce?.possible).toBe(true);
    const lines: string[] = [];
    backend.subscribe((channel, payload) => {
      const e = (payload as EventPayload<'apply:event'>).event;
      if (channel === 'apply:event' && e.type === 'output') lines.push(e.line);
    });
    const done = doneOf(backend);
    await backend.handlers['apply:bootOnce']({
      planId: k.plan.id,
      sha256: k.sha256,
      entryId: 'cohabit-new-system',
      dryRun: true,
    });
    const outcome = (await done).outcome;
    expect(outcome.result?.status).toBe('dry-run');
    expect(outcome.result?.planId).not.toBe(k.plan.id);
    expect(lines).toEqual([
      expect.stringContaining(
        'would run: grub-editenv /boot/grub/grubenv set next_entry=cohabit-new-system',
      ) as string,
    ]);
  });

  it('refuses on the workstation, whose grubenv is on ZFS, saying why', async () => {
    const backend = createBackend({ kind: 'demo' });
    const k = await kept(backend);
    await expect(
      backend.handlers['apply:bootOnce']({
        planId: k.plan.id,
        sha256: k.sha256,
        entryId: 'cohabit-new-system',
        dryRun: true,
      }),
    ).rejects.toMatchObject({
      code: 'boot-once.refused',
      message: expect.stringMatching(/on ZFS/) as string,
    });
  });

  it('refuses an entry the plan did not add, and a crafted id at the contract', async () => {
    const backend = createBackend({ kind: 'demo', name: 'twin-gpu' });
    const k = await kept(backend);
    const ask = (entryId: string) =>
      backend.handlers['apply:bootOnce']({
        planId: k.plan.id,
        sha256: k.sha256,
        entryId,
        dryRun: true,
      });
    await expect(ask('cohabit-other')).rejects.toMatchObject({ code: 'boot-once.refused' });
    await expect(ask('cohabit-x;reboot')).rejects.toThrow(/cohabit- and a-z, 0-9, -/);
  });
});
