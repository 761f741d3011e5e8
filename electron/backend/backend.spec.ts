// The backend answers the contract for both shells: plans are made against the machine shown,
// from a layout the contract has already checked, and a bad layout is refused naming the field.
import { describe, expect, it } from 'vitest';
import { ContractError } from '../../shared/api/contract';
import { seedLayout } from '../../shared/planner/examples';
import { createBackend } from './backend';

describe('createBackend', () => {
  it('plans the seed layout on the demo machine without changing anything', async () => {
    const backend = createBackend({ kind: 'demo' });
    const inventory = await backend.handlers['machine:inventory']({});
    const plan = await backend.handlers['plan:make']({ layout: seedLayout(inventory) });
    expect(plan.pool).toBe('zroot');
    expect(plan.steps.map((s) => s.title)).toContain('Create the dataset zroot/new-system');
    expect(plan.steps.find((s) => s.call.verb === 'nixos.install')?.preview).toMatchObject({
      kind: 'command',
      argv: ['nixos-install', '--root', '/mnt/cohabit/new-system', '--no-root-passwd'],
    });
  });

  it('refuses a hostile layout before planning, naming the field', async () => {
    const backend = createBackend({ kind: 'demo' });
    const inventory = await backend.handlers['machine:inventory']({});
    const layout = seedLayout(inventory);
    const hostile = { ...layout, systems: [{ ...layout.systems[0], dataset: 'zroot/$(reboot)' }] };
    const error = await backend.handlers['plan:make']({ layout: hostile }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as ContractError).message).toMatch(/layout\.systems\.0\.dataset/);
  });

  it('does not switch a demo session to this machine', async () => {
    const backend = createBackend({ kind: 'demo' });
    await expect(backend.handlers['machine:select']({ source: 'local' })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});
