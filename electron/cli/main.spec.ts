// The `cohabit` command as a user types it: output, JSON shapes, exit codes and error lines.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote } from '../../shared/emit/shell-quote';
import { InventorySchema } from '../../shared/model/inventory';
import { HostSnapshotSchema } from '../host/snapshot-format';
import {
  clientOptions,
  sshdPrerequisites,
  sshdSessions,
  startSshd,
} from '../../test/lab/local-sshd';
import type { Sshd } from '../../test/lab/local-sshd';
import { cli } from '../../test/helper/run-cli';

describe('cohabit inventory', () => {
  it('names the demo machines with --demo list, and reads one by name', async () => {
    const list = await cli('inventory', '--demo', 'list');
    expect(list.code).toBe(0);
    expect(list.out.split('\n').map((l) => l.split(' ')[0])).toEqual([
      'workstation',
      'twin-gpu',
      'edited-config',
      'workstation-2511',
      '',
    ]);
    const twin = await cli('inventory', '--demo', 'twin-gpu', '--json');
    expect(twin.code).toBe(0);
    const inv = JSON.parse(twin.out) as { os: { versionId: string }; gpus: { name: string }[] };
    expect(inv.os.versionId).toBe('26.05');
    expect(inv.gpus.filter((g) => g.name.includes('RTX 2080'))).toHaveLength(2);
    const unknown = await cli('inventory', '--demo', 'nope');
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain('There is no demo machine "nope"');
  });

  it('prints the demo machine: pools with a usage bar, groups, GPUs and the keyboard controller', async () => {
    const { code, out } = await cli('inventory', '--demo');
    expect(code).toBe(0);
    expect(out).toMatch(/zroot {2}\[#+\.+\] 31%/);
    expect(out).toMatch(/Group 13\n {4}0000:01:00\.0 VGA compatible controller \[0300\]: NVIDIA/);
    expect(out).toMatch(/0000:00:02\.0 .*: drives the display/);
    expect(out).toMatch(/0000:00:14\.0 .*keyboard and mouse attached/);
  });

  it('prints JSON that the Inventory schema accepts', async () => {
    const { code, out } = await cli('inventory', '--demo', '--json');
    expect(code).toBe(0);
    expect(v.safeParse(InventorySchema, JSON.parse(out)).success).toBe(true);
  });

  it('refuses --demo together with --host-snapshot, with exit code 2', async () => {
    const { code, err } = await cli('inventory', '--demo', '--host-snapshot', 'x.json');
    expect(code).toBe(2);
    expect(err).toMatch(/cannot be used with/);
  });

  it('names the file when a snapshot cannot be read, without a stack trace', async () => {
    const { code, err } = await cli('inventory', '--host-snapshot', '/nonexistent/host.json');
    expect(code).toBe(1);
    expect(err).toMatch(/^cohabit: cannot read snapshot \/nonexistent\/host\.json/);
    expect(err).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('cohabit analyze', () => {
  it('analyses a pasted listing into the documented JSON shape', async () => {
    const { code, out } = await cli(
      'analyze',
      'test/fixtures/iommu/thinkpad-p53-quadro-rtx4000.txt',
      '--json',
    );
    expect(code).toBe(0);
    const json = JSON.parse(out) as {
      groups: number;
      devices: number;
      gpus: Record<string, unknown>[];
    };
    expect(json.groups).toBeGreaterThan(0);
    expect(json.gpus.find((g) => g.address === '0000:01:00.0')).toMatchObject({
      group: 2,
      passTogether: ['0000:01:00.0', '0000:01:00.1', '0000:01:00.2', '0000:01:00.3'],
      foreign: [],
      clean: true,
      vfioIds: ['10de:1eb6', '10de:10f8', '10de:1ad8', '10de:1ad9'],
      bindByAddress: false,
    });
  });

  it('says which checks a listing cannot make', async () => {
    const { out } = await cli('analyze', 'test/fixtures/iommu/thinkpad-p53-quadro-rtx4000.txt');
    expect(out).toMatch(/Not checked/);
    expect(out).toMatch(/boot_vga/);
  });

  it('rejects a file that is not a listing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohabit-cli-'));
    await writeFile(join(dir, 'x.txt'), 'hello\nworld\n');
    const { code, err } = await cli('analyze', join(dir, 'x.txt'));
    expect(code).toBe(1);
    expect(err).toMatch(/does not look like an IOMMU group listing/);
  });
});

describe('cohabit snapshot', () => {
  it('records this machine into a snapshot that replays to the same inventory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohabit-cli-'));
    const file = join(dir, 'host.json');
    const recorded = await cli('snapshot', '--out', file);
    expect(recorded.code).toBe(0);
    expect(v.safeParse(HostSnapshotSchema, JSON.parse(await readFile(file, 'utf8'))).success).toBe(
      true,
    );
    const replayed = await cli('inventory', '--host-snapshot', file, '--json');
    expect(replayed.code).toBe(0);
    const inv = v.parse(InventorySchema, JSON.parse(replayed.out));
    expect(inv.diagnostics.filter((d) => d.code.endsWith('.not-recorded'))).toEqual([]);
  }, 60_000);
});

const missing = sshdPrerequisites('cohabit serve --host');

describe.skipIf(missing.length > 0)('cohabit serve --host, stopped with a signal', () => {
  let sshd: Sshd;
  let bin: string;

  beforeAll(async () => {
    sshd = await startSshd();
    // The CLI uses the user's own ssh setup, which cannot know this throwaway server: an `ssh`
    // first on PATH adds the test's key and known_hosts, as ~/.ssh/config would.
    bin = await mkdtemp(join(tmpdir(), 'cohabit-cli-ssh-'));
    const options = clientOptions(sshd).sshOptions ?? [];
    await writeFile(
      join(bin, 'ssh'),
      `#!/bin/sh\nexec ${shellQuote(['/usr/bin/ssh', ...options])} "$@"\n`,
      { mode: 0o755 },
    );
  });

  afterAll(async () => {
    sshd?.process.kill();
    if (sshd !== undefined) await rm(sshd.dir, { recursive: true, force: true });
    if (bin !== undefined) await rm(bin, { recursive: true, force: true });
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'ends the SSH connection and exits 0 on %s',
    async (signal) => {
      const url = `ssh://root@127.0.0.1:${sshd.port}`;
      const child = spawn(
        process.execPath,
        ['bin/cohabit.mjs', 'serve', '--host', url, '--no-open', '--port', '0'],
        {
          env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      try {
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        let err = '';
        child.stderr.on('data', (b: Buffer) => (err += b.toString()));
        await expect.poll(() => out, { timeout: 15_000 }).toMatch(/\?token=/);
        expect(out).toContain(`Cohabit is serving ${url} at`);
        const served = new URL(/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out)?.[0] ?? '');
        const res = await fetch(new URL('/api/call/machine:inventory', served), {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Authorization: `Bearer ${served.searchParams.get('token') ?? ''}`,
            Origin: served.origin,
          },
          body: '{}',
        });
        const body = (await res.json()) as { ok: boolean; value?: { os: { hostname: string } } };
        expect(body.ok, err).toBe(true);
        expect(body.value?.os.hostname).toBe(hostname());
        expect(await sshdSessions(sshd.process.pid ?? -1)).not.toEqual([]);

        child.kill(signal);
        const [code] = await exited;
        expect(code, err).toBe(0);
        // The master connection (a process of its own, started with ssh -f) ended with serve.
        await expect.poll(() => sshdSessions(sshd.process.pid ?? -1)).toEqual([]);
      } finally {
        child.kill('SIGKILL');
      }
    },
    60_000,
  );
});

describe('cohabit apply --dry-run --demo and serve with a bad snapshot', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cohabit-cli-demo-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('walks a plan made for the demo machine through its steps there, running nothing', async () => {
    const layout = await cli('plan', '--example', 'seed', '--demo');
    await writeFile(join(dir, 'layout.json'), layout.out);
    const made = await cli('plan', join(dir, 'layout.json'), '--demo', '--json');
    expect(made.code).toBe(0);
    await writeFile(join(dir, 'plan.json'), made.out);
    const walk = await cli('apply', join(dir, 'plan.json'), '--dry-run', '--demo');
    expect(walk.code).toBe(0);
    expect(walk.out).toMatch(/^Dry run of plan [0-9a-f]{16}: 29 steps\n/);
    expect(walk.out).toContain('Nothing ran: the demo machine is a recorded machine');
    expect(walk.out).toMatch(/Dry run on the demo machine: nothing ran/);
    // Without --dry-run there is nothing to apply on a recording.
    const real = await cli('apply', join(dir, 'plan.json'), '--demo', '--yes');
    expect(real.code).toBe(1);
    expect(real.err).toMatch(/the demo machine is a recorded machine: there is nothing to apply/);
  });

  it('refuses a plan file for a pool the demo machine does not have', async () => {
    const made = await cli('plan', join(dir, 'layout.json'), '--demo', '--json');
    const plan = JSON.parse(made.out) as { pool: string };
    await writeFile(join(dir, 'tank.json'), JSON.stringify({ ...plan, pool: 'tank' }));
    const r = await cli('apply', join(dir, 'tank.json'), '--dry-run', '--demo');
    expect(r.code).toBe(1);
    expect(r.err).toContain('is a plan for the pool tank, which the demo machine does not have');
  });

  it('serve refuses a snapshot that is not one before it listens, with exit 2', async () => {
    await writeFile(join(dir, 'junk.json'), 'junk\n');
    const r = await cli('serve', '--host-snapshot', join(dir, 'junk.json'), '--no-open');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/junk\.json is not JSON.*Nothing is served/s);
  });
});
