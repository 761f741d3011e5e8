// The backend answers the contract for both shells: plans are made against the machine shown,
// from a layout the contract has already checked, and a bad layout is refused naming the field;
// remote machines are reached with the ssh options the backend was started with, never the caller's.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientOptions,
  sshdPrerequisites,
  sshdSessions,
  startSshd,
  type Sshd,
} from '../../test/lab/local-sshd';
import { ContractError } from '../../shared/api/contract';
import { seedLayout } from '../../shared/planner/examples';
import type { SshHostOptions } from '../host/ssh-host';
import { createBackend } from './backend';
import type { Backend } from './backend';

describe('createBackend', () => {
  it('plans the seed layout on the demo machine without changing anything', async () => {
    const backend = createBackend({ kind: 'demo' });
    const inventory = await backend.handlers['machine:inventory']({});
    const { plan } = await backend.handlers['plan:make']({ layout: seedLayout(inventory) });
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

describe('machine:connect: ssh options belong to whoever starts the backend', () => {
  it('refuses a request that carries ssh options, before any ssh runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohabit-backend-'));
    const marker = join(dir, 'proxy-ran');
    const backend = createBackend({ kind: 'demo' }, { allowLocal: true });
    // If these fields were read (or ignored and the connection tried), ssh would run the
    // ProxyCommand or at least answer ssh.refused for port 1.
    for (const extra of [
      { sshOptions: ['-o', `ProxyCommand=touch ${marker}`] },
      { ssh: { sshOptions: ['-o', `ProxyCommand=touch ${marker}`] } },
      { options: { sshCommand: `/bin/sh -c "touch ${marker}"` } },
    ]) {
      const error = await backend.handlers['machine:connect']({
        url: 'ssh://root@127.0.0.1:1',
        ...extra,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContractError);
      expect(error).toMatchObject({ code: 'bad-request' });
      expect((error as ContractError).message).toMatch(/^machine:connect/);
    }
    expect(existsSync(marker)).toBe(false);
    await expect(backend.handlers['machine:info']({})).resolves.toMatchObject({ source: 'demo' });
    await rm(dir, { recursive: true, force: true });
  });
});

const missing = sshdPrerequisites('the backend over SSH');

describe.skipIf(missing.length > 0)('the backend with its own ssh options, on a real sshd', () => {
  let sshd: Sshd;
  const backends: Backend[] = [];
  // Closed here too, so a failed test does not leave a master connection behind.
  const backendWith = (ssh: SshHostOptions): Backend => {
    const backend = createBackend({ kind: 'demo' }, { allowLocal: true, ssh });
    backends.push(backend);
    return backend;
  };
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
    sshd?.process.kill();
    if (sshd !== undefined) await rm(sshd.dir, { recursive: true, force: true });
  });

  it('connects with them, shows the machine, applies through them and closes the connection', async () => {
    const backend = backendWith(clientOptions(sshd));
    const url = `ssh://root@127.0.0.1:${sshd.port}`;
    await expect(backend.handlers['machine:connect']({ url })).resolves.toEqual({
      source: 'ssh',
      description: url,
      localAvailable: true,
    });
    const inventory = await backend.handlers['machine:inventory']({});
    expect(inventory.os.hostname).toBe(hostname());
    // apply-runs opens its own connection with the same key and known_hosts: without them the
    // user's known_hosts would not know this throwaway host key.
    await expect(backend.handlers['apply:unfinished']({})).resolves.toMatchObject({
      checked: true,
      note: null,
    });
    expect(await sshdSessions(sshd.process.pid ?? -1)).not.toEqual([]);
    await backend.close();
    await expect.poll(() => sshdSessions(sshd.process.pid ?? -1)).toEqual([]);
    await expect(backend.handlers['machine:inventory']({ refresh: true })).rejects.toMatchObject({
      code: 'closed',
    });
  });

  it('refuses a host key that known_hosts does not name, and keeps the machine shown', async () => {
    const wrong = join(sshd.dir, 'backend_wrong_known_hosts');
    const stranger = (await readFile(join(sshd.dir, 'stranger_key.pub'), 'utf8')).split(' ');
    await writeFile(wrong, `[127.0.0.1]:${sshd.port} ${stranger[0]} ${stranger[1]}\n`);
    const backend = backendWith(clientOptions(sshd, sshd.key, wrong));
    await expect(
      backend.handlers['machine:connect']({ url: `ssh://root@127.0.0.1:${sshd.port}` }),
    ).rejects.toMatchObject({ code: 'ssh.host-key' });
    await expect(backend.handlers['machine:info']({})).resolves.toMatchObject({ source: 'demo' });
  });
});
