// `cohabit plan --host ssh://...` and the backend's ssh source: the address is checked before
// anything runs, a real sshd is reached through SshHost (its unknown host key refused by name), and
// the plan's files are read over the same connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLayout } from '../../shared/planner/examples';
import { buildDemoMachine } from '../../test/machines/demo-machine';
import { clientOptions, sshdPrerequisites, startSshd, type Sshd } from '../../test/lab/local-sshd';
import { createBackend } from '../backend/backend';
import { runCli } from '../cli/main';
import { SshHost } from '../host/ssh-host';
import { readInventory } from '../inventory/read-inventory';
import { readPlanFiles } from './read-plan-files';

async function cli(...argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await runCli(argv, {
    stdout: () => undefined,
    stderr: (t) => (err += t),
    isTty: false,
  });
  return { code, err };
}

describe('plan and serve --host: the address', () => {
  it('refuses a hostile address before anything runs (exit 2)', async () => {
    const plan = await cli('plan', '--example', 'seed', '--host', 'ssh://root@-oProxyCommand=x');
    expect(plan.code).toBe(2);
    expect(plan.err).toMatch(/not a host name Cohabit accepts/);
    const serve = await cli('serve', '--no-open', '--host', 'ssh://root@server;reboot');
    expect(serve.code).toBe(2);
  });

  it('refuses --host together with --demo', async () => {
    const r = await cli('plan', '--example', 'seed', '--demo', '--host', 'ssh://root@server');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot be used with/);
  });
});

describe('the backend showing a remote machine', () => {
  it('says it is ssh and names the address without connecting', async () => {
    const backend = createBackend(
      { kind: 'ssh', target: { user: 'alice', host: 'box.example.org', port: 2222 } },
      { allowLocal: false },
    );
    expect(await backend.handlers['machine:info']({})).toEqual({
      source: 'ssh',
      description: 'ssh://alice@box.example.org:2222',
      localAvailable: false,
    });
  });
});

const missing = sshdPrerequisites('plan over SSH');

describe.skipIf(missing.length > 0)('plan over a real sshd on 127.0.0.1', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(() => {
    sshd?.process.kill();
  });

  it('goes through SshHost: the user config does not know this server, so its key is refused', async () => {
    const r = await cli('plan', '--example', 'seed', '--host', `ssh://root@127.0.0.1:${sshd.port}`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the server's host key/);
  });

  it('reads the plan files of the remote machine over the connection', async () => {
    // The layout comes from the demo; the files are this machine's, read over SSH as root.
    const demo = await readInventory(buildDemoMachine());
    const host = await SshHost.connect(
      { user: 'root', host: '127.0.0.1', port: sshd.port },
      clientOptions(sshd),
    );
    try {
      const read = await readPlanFiles(host, demo, seedLayout(demo), '/nonexistent-cohabit-root');
      expect(read.dirs['/nonexistent-cohabit-root']).toBe(false);
      expect(read.notRecorded).toEqual([]);
      expect(Object.keys(read.files)).toContain('/etc/nixos/configuration.nix');
    } finally {
      await host.close();
    }
  });
});
