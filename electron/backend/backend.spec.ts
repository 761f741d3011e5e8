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

describe('machine:connect', () => {
  it('refuses an address that is not ssh://, naming the field', async () => {
    const backend = createBackend({ kind: 'demo' }, { allowLocal: true });
    const error = await backend.handlers['machine:connect']({
      url: 'root@server -oProxyCommand=x',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect(error).toMatchObject({ code: 'bad-request' });
    expect((error as ContractError).message).toMatch(
      /^machine:connect: url: .*not an ssh:\/\/ address/,
    );
  });

  it('refuses a host name that ssh could read as an option', async () => {
    const backend = createBackend({ kind: 'demo' }, { allowLocal: true });
    const error = await backend.handlers['machine:connect']({
      url: 'ssh://root@-oProxyCommand=x',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'bad-request' });
    expect((error as ContractError).message).toMatch(
      /^machine:connect: url: "-oProxyCommand=x" is not a host name/,
    );
  });

  it('does not let a demo session reach other machines', async () => {
    const backend = createBackend({ kind: 'demo' });
    await expect(
      backend.handlers['machine:connect']({ url: 'ssh://root@127.0.0.1:1' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('answers a refused connection with ssh.refused and keeps the machine shown', async () => {
    const backend = createBackend({ kind: 'demo' }, { allowLocal: true });
    const changes: unknown[] = [];
    backend.subscribe((channel, payload) => changes.push([channel, payload]));
    await expect(
      backend.handlers['machine:connect']({ url: 'ssh://root@127.0.0.1:1' }),
    ).rejects.toMatchObject({
      code: 'ssh.refused',
      message: 'ssh://root@127.0.0.1:1: connection refused (no SSH server on that port?)',
    });
    expect(changes).toEqual([]);
    await expect(backend.handlers['machine:info']({})).resolves.toMatchObject({ source: 'demo' });
  });
});
