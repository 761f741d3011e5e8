// The helper's allow-list against the attacks of issue 13, on the fake machine: a plan writing
// /etc/nixos/flake.nix at 0666, a plan reusing a journaled id to destroy what the first made, a
// mount of a foreign dataset with suid, and state directories someone else can change. Each is
// refused before anything runs, naming its rule; the seed-shaped plan still applies.
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../shared/model/plan';
import { specOf } from '../../shared/ops/verbs';
import type { VerbCall } from '../../shared/ops/verbs';
import type { FakeMachine } from '../../test/helper/fake-machine';
import { tempFakeMachine } from '../../test/helper/fake-machine';
import {
  HOST_CONFIGURATION,
  SEED_PLAN_ID,
  planOf,
  seedCalls,
  seedPlan,
} from '../../test/helper/seed-plan';
import { applyPlan } from './executor';
import { recover } from './recover';
import { Journal } from './journal';
import { sha256Hex } from '../../shared/ops/plan-identity';

const JOURNAL = '/var/lib/cohabit';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function machine(): Promise<FakeMachine> {
  return tempFakeMachine(
    'cohabit-allow-',
    {
      '/etc/nixos/configuration.nix': { content: HOST_CONFIGURATION, mode: 0o644 },
    },
    dirs,
  );
}

/** Applies the plan and expects it refused with every text given, the machine unchanged. */
async function refused(m: FakeMachine, plan: Plan, texts: string[]): Promise<string> {
  const before = await m.state();
  const result = await applyPlan(plan, { host: m, journalDir: JOURNAL });
  const problems = result.problems.join('\n');
  expect(result.status, problems).toBe('refused');
  for (const text of texts) expect(problems).toContain(text);
  expect(await m.state()).toEqual(before);
  expect(m.calls.some((c) => ['create', 'destroy', 'set'].includes(c[1] ?? ''))).toBe(false);
  expect(m.calls.some((c) => c[0] === 'mount' || c[0] === '<write>')).toBe(false);
  return problems;
}

describe('the allow-list refuses what Cohabit never plans', () => {
  it('a new /etc/nixos/flake.nix at mode 0666', async () => {
    const m = await machine();
    const plan = planOf([
      {
        verb: 'file.write',
        args: {
          path: '/etc/nixos/flake.nix',
          content: '{ outputs = _: { }; }\n',
          mode: 0o666,
          previousSha256: null,
        },
      },
    ]);
    const problems = await refused(m, plan, ['rule helper.file-mode', 'rule helper.file-path']);
    expect(problems).toContain('/etc/nixos/flake.nix would get mode 0666');
  });

  it('a file mode with more than rw-r--r--, even on a file Cohabit writes', async () => {
    for (const mode of [0o4644, 0o664, 0o755, 0o1644]) {
      const calls = seedCalls();
      const i = calls.findIndex(
        (c) => c.verb === 'file.write' && c.args.path === '/etc/nixos/cohabit.nix',
      );
      const call = calls[i];
      if (call?.verb !== 'file.write') throw new Error('seed changed');
      calls[i] = { ...call, args: { ...call.args, mode } };
      await refused(await machine(), planOf(calls), ['rule helper.file-mode']);
    }
  });

  it('a configuration.nix rewritten beyond the one import line', async () => {
    const m = await machine();
    const plan = planOf([
      {
        verb: 'file.write',
        args: {
          path: '/etc/nixos/configuration.nix',
          content: HOST_CONFIGURATION.replace(
            '}',
            '  security.sudo.wheelNeedsPassword = false;\n}',
          ),
          mode: 0o644,
          previousSha256: await sha256Hex(HOST_CONFIGURATION),
        },
      },
    ]);
    await refused(m, plan, ['rule helper.config-edit']);
  });

  it('a plan reusing a journaled id, to destroy what that plan made', async () => {
    const m = await machine();
    expect((await applyPlan(seedPlan(), { host: m, journalDir: JOURNAL })).status).toBe('applied');
    expect(m.datasets.get('zroot/nixos/new')?.props['cohabit:journal']).toBe(SEED_PLAN_ID);
    const reuse = planOf([{ verb: 'zfs.destroyManaged', args: { dataset: 'zroot/nixos/new' } }]);
    m.calls.length = 0;
    const problems = await refused(m, reuse, [
      'rule helper.plan-id-reused',
      'rule helper.destroy-own',
    ]);
    expect(problems).toContain(`plan ${SEED_PLAN_ID} already ran on this machine`);
    expect(m.datasets.has('zroot/nixos/new')).toBe(true);
  });

  it('two runs of one id at once: the second cannot create the journal', async () => {
    const m = await machine();
    const first = await Journal.open(m, JOURNAL, SEED_PLAN_ID);
    const second = await Journal.open(m, JOURNAL, SEED_PLAN_ID);
    await first.append({ t: 'done', step: 's01' });
    await expect(second.append({ t: 'done', step: 's01' })).rejects.toThrow(
      'rule helper.plan-id-reused',
    );
  });

  it('a mount of a dataset this plan did not make, with suid and dev', async () => {
    const m = await machine();
    const plan = planOf([
      { verb: 'fs.mkdir', args: { path: '/mnt/cohabit/evil', mode: 0o755 } },
      {
        verb: 'fs.mount',
        args: {
          source: 'zroot/nixos/root',
          target: '/mnt/cohabit/evil',
          fstype: 'zfs',
          options: ['suid', 'dev'],
        },
      },
      { verb: 'nixos.install', args: { root: '/mnt/cohabit/evil' } },
    ]);
    const problems = await refused(m, plan, [
      'rule helper.mount-options',
      'rule helper.mount-source',
    ]);
    expect(problems).toContain('mount options suid, dev are not allowed');
    expect(problems).toContain('zroot/nixos/root was neither created by this plan');
  });

  it('every mount is nosuid,nodev whatever the options say, and its undo too', () => {
    const mount: VerbCall = {
      verb: 'fs.mount',
      args: { source: 'zroot/a', target: '/mnt/cohabit/a', fstype: 'zfs', options: [] },
    };
    expect(specOf(mount, SEED_PLAN_ID).argv(mount.args as never)).toEqual([
      'mount',
      '-t',
      'zfs',
      '-o',
      'nosuid,nodev',
      'zroot/a',
      '/mnt/cohabit/a',
    ]);
    const unmount: VerbCall = {
      verb: 'fs.unmount',
      args: {
        source: '/dev/x',
        target: '/mnt/cohabit/a/efi',
        fstype: 'vfat',
        options: ['umask=077', 'nodev'],
      },
    };
    expect(specOf(unmount, SEED_PLAN_ID).undo(unmount.args as never).argv[0]?.[4]).toBe(
      'nosuid,nodev,umask=077',
    );
  });

  it('a directory mode beyond rwxr-xr-x, and a secret readable by others', async () => {
    const m = await machine();
    await refused(
      m,
      planOf([{ verb: 'fs.mkdir', args: { path: '/mnt/cohabit/x', mode: 0o777 } }]),
      ['rule helper.dir-mode'],
    );
    writeFileSync(m.map('/etc/nixos/luks.key'), 'k', { mode: 0o400 });
    const secret = planOf([
      {
        verb: 'file.copySecret',
        args: {
          source: '/etc/nixos/luks.key',
          target: '/mnt/cohabit/new/etc/secrets/initrd/luks.key',
          mode: 0o4600,
        },
      },
    ]);
    await refused(m, secret, ['rule helper.secret-mode']);
  });
});

describe('state directories are used only when nobody but root can change them', () => {
  it('a group-writable /var/lib/cohabit refuses the plan, naming the rule', async () => {
    const m = await machine();
    chmodSync(m.map('/var/lib/cohabit'), 0o775);
    await refused(m, seedPlan(), [
      'rule helper.state-dir',
      '/var/lib/cohabit is writable by its group',
    ]);
  });

  it('the journal is not opened in a directory others can write', async () => {
    const m = await machine();
    mkdirSync(m.map(`${JOURNAL}/journal`), { recursive: true });
    chmodSync(m.map(`${JOURNAL}/journal`), 0o733);
    await expect(Journal.open(m, JOURNAL, SEED_PLAN_ID)).rejects.toThrow(
      /rule helper\.state-dir: \/var\/lib\/cohabit\/journal is writable by its group/,
    );
  });

  it('a /mnt/cohabit that belongs to another user refuses every mount under it', async () => {
    const m = await machine();
    chownSync(m.map('/mnt/cohabit'), 65534, 65534);
    await refused(m, seedPlan(), ['rule helper.state-dir', '/mnt/cohabit belongs to uid 65534']);
  });

  it('recover never reads a journal from a directory others can write', async () => {
    const m = await machine();
    mkdirSync(m.map(`${JOURNAL}/journal`), { recursive: true });
    chmodSync(m.map(`${JOURNAL}/journal`), 0o777);
    // A planted journal whose undo would run as root.
    writeFileSync(
      m.map(`${JOURNAL}/journal/${SEED_PLAN_ID}.jsonl`),
      `${JSON.stringify({ t: 'plan', plan: seedPlan(), sha256: '0'.repeat(64), at: 'x' })}\n${JSON.stringify({ t: 'undo', step: 's01', undo: { kind: 'argv', argv: [['rm', '-rf', '/etc/nixos']], text: 'x' } })}\n`,
    );
    const result = await recover(SEED_PLAN_ID, 'rollback', { host: m, journalDir: JOURNAL });
    expect(result.status).toBe('refused');
    expect(result.problems.join('\n')).toContain('rule helper.state-dir');
    expect(m.calls).toEqual([]);
  });
});
