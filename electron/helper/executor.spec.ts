// The executor on a fake machine: the seed-shaped plan applies, every step failing rolls the machine
// back to exactly where it was, hostile plans are refused before anything runs, hangs time out.
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../shared/model/plan';
import { specOf } from '../../shared/ops/verbs';
import { FakeMachine, tempFakeMachine } from '../../test/helper/fake-machine';
import {
  HOST_CONFIGURATION,
  SEED_PLAN_ID,
  planOf,
  seedCalls,
  seedPlan,
} from '../../test/helper/seed-plan';
import { applyPlan } from './executor';
import { recover } from './recover';
import { runRequest } from './elevate';
import { planSha256 } from '../../shared/ops/plan-identity';
import { parseRequestLine } from '../../shared/ops/helper-protocol';
import { findUnfinished } from './journal';
import { findUnfinishedMarkers } from './unfinished-markers';
import type { ApplyEvent } from '../../shared/ops/helper-protocol';

const JOURNAL = '/var/lib/cohabit';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function machine(): Promise<FakeMachine> {
  return tempFakeMachine(
    'cohabit-exec-',
    {
      '/etc/nixos/configuration.nix': { content: HOST_CONFIGURATION, mode: 0o640 },
      '/etc/nixos/hardware-configuration.nix': { content: '{ }\n', mode: 0o644 },
    },
    dirs,
  );
}

describe('applyPlan on the seed-shaped plan', () => {
  it('runs every step, streams output and progress, and leaves the machine changed as planned', async () => {
    const m = await machine();
    const events: ApplyEvent[] = [];
    const result = await applyPlan(seedPlan(), {
      host: m,
      journalDir: JOURNAL,
      onEvent: (e) => events.push(e),
    });
    expect(result.status).toBe('applied');
    expect(m.datasets.get('zroot/nixos/new')?.props).toMatchObject({
      'cohabit:managed': 'on',
      'cohabit:journal': SEED_PLAN_ID,
    });
    expect(m.domains.has('macos')).toBe(true);
    expect(m.generation).toBe(2);
    expect(await readFile(m.map('/etc/nixos/configuration.nix'), 'utf8')).toContain(
      './cohabit.nix',
    );
    // The plan's mode applies; the backup keeps the old one (0640) for rollback.
    expect((await stat(m.map('/etc/nixos/configuration.nix'))).mode & 0o777).toBe(0o644);
    expect(events.filter((e) => e.type === 'step-finished')).toHaveLength(21);
    expect(events).toContainEqual({
      type: 'output',
      step: 's13',
      stream: 'stdout',
      line: 'installation finished!',
    });
    expect(events).toContainEqual({ type: 'progress', step: 's13', percent: 50 });
    expect(await findUnfinished(m, JOURNAL)).toEqual([]);
    // The installed system's files are in the dataset, not on the host's disk.
    await expect(stat(m.map('/mnt/cohabit/new/nix'))).rejects.toThrow();
  });

  it('refuses to apply the same plan twice: the datasets it creates now exist', async () => {
    const m = await machine();
    expect((await applyPlan(seedPlan(), { host: m, journalDir: JOURNAL })).status).toBe('applied');
    const again = await applyPlan(seedPlan(), { host: m, journalDir: JOURNAL });
    expect(again.status).toBe('refused');
    expect(again.problems.join('\n')).toContain('the dataset zroot/nixos/new already exists');
  });

  it('dry run checks everything and changes nothing', async () => {
    const m = await machine();
    const before = await m.state();
    const result = await applyPlan(seedPlan(), { host: m, journalDir: JOURNAL, dryRun: true });
    expect(result.status).toBe('dry-run');
    expect(await m.state()).toEqual(before);
    expect(m.calls.some((c) => ['create', 'destroy', 'set'].includes(c[1] ?? ''))).toBe(false);
  });
});

describe('fault injection: step k fails, the machine is back as it was', () => {
  const calls = seedCalls();
  for (const when of ['before', 'after'] as const) {
    for (const [k, call] of calls.entries()) {
      const id = `s${String(k + 1).padStart(2, '0')}`;
      it(`${id} ${call.verb} fails ${when === 'before' ? 'at once' : 'after doing its work'}`, async () => {
        const m = await machine();
        const before = await m.state();
        const argv = specOf(call, SEED_PLAN_ID).argv(call.args);
        const match = call.verb === 'file.write' ? call.args.path : (argv ?? []).join(' ');
        m.fault = { match, when };
        const result = await applyPlan(seedPlan(), { host: m, journalDir: JOURNAL });
        expect(result.status).toBe('rolled-back');
        expect(result.failedStep).toBe(id);
        // The failure as data: the command the helper built, its exit code, stderr's tail.
        if (argv === null) expect(result.failure).toMatchObject({ kind: 'host-error', argv: null });
        else
          expect(result.failure).toEqual({
            kind: 'command-failed',
            message: expect.stringContaining(`exited 1`) as string,
            argv,
            exitCode: 1,
            stderrTail: [
              when === 'before' ? 'injected failure' : 'injected failure after the change',
            ],
          });
        expect(result.notUndone).toEqual([]);
        expect(m.fault).toBeNull();
        expect(await m.state()).toEqual(before);
        expect(await findUnfinished(m, JOURNAL)).toEqual([]);
      });
    }
  }
});

describe('hostile plans are refused before anything runs', () => {
  async function refusedWith(
    plan: Plan,
    text: string,
    prepare?: (m: FakeMachine) => void,
    sha?: string,
  ) {
    const m = await machine();
    prepare?.(m);
    const before = await m.state();
    const result = await applyPlan(plan, {
      host: m,
      journalDir: JOURNAL,
      ...(sha === undefined ? {} : { expectedSha256: sha }),
    });
    expect(result.status).toBe('refused');
    expect(result.problems.join('\n')).toContain(text);
    expect(await m.state()).toEqual(before);
    expect(
      m.calls.filter((c) => !['list', 'get'].includes(c[1] ?? '') && c[0] !== 'blkid'),
    ).toEqual([]);
  }

  it("an unknown verb, at the helper's one parse of its request", () => {
    const plan = seedPlan() as unknown as { steps: { call: unknown }[] };
    (plan.steps[2] as { call: unknown }).call = {
      verb: 'shell.run',
      args: { command: 'rm -rf /' },
    };
    const line = JSON.stringify({ type: 'apply', plan, sha256: '0'.repeat(64), dryRun: false });
    expect(parseRequestLine(line)).toEqual({
      ok: false,
      refusal: {
        code: 'bad-plan',
        message: expect.stringContaining('plan.steps.2.call') as string,
      },
    });
  });

  it('a dataset in another pool', async () => {
    const calls = seedCalls();
    calls[0] = { verb: 'zfs.createDataset', args: { dataset: 'tank/nixos/new', role: 'system' } };
    await refusedWith(planOf(calls), 'tank/nixos/new is not inside the pool zroot');
  });

  it('.. in a path, at the parse of the request, whichever way it reaches root', async () => {
    const plan = seedPlan();
    const call = (plan.steps[15] as Plan['steps'][number]).call;
    if (call.verb !== 'file.write') throw new Error('seed changed');
    (call.args as { path: string }).path = '/etc/nixos/../shadow';
    const request = { type: 'apply', plan, sha256: '0'.repeat(64), dryRun: false } as const;
    const refusal = {
      code: 'bad-plan',
      message: expect.stringContaining(
        'path "/etc/nixos/../shadow" must be an absolute path',
      ) as string,
    };
    expect(parseRequestLine(JSON.stringify(request))).toEqual({ ok: false, refusal });
    const m = await machine();
    const before = await m.state();
    const outcome = await runRequest(request, { mode: 'in-process', host: m, journalDir: JOURNAL });
    expect(outcome).toMatchObject({ kind: 'refused-input', message: refusal.message });
    expect(await m.state()).toEqual(before);
  });

  it('a target that is a symbolic link to /etc/shadow', async () => {
    await refusedWith(seedPlan(), '/etc/nixos/cohabit.nix is a symbolic link', (m) =>
      symlinkSync('/etc/shadow', m.map('/etc/nixos/cohabit.nix')),
    );
  });

  it('a write outside the allowed roots', async () => {
    const calls = seedCalls();
    calls[15] = {
      verb: 'file.write',
      args: { path: '/etc/shadow', content: 'x', mode: 0o644, previousSha256: null },
    };
    await refusedWith(planOf(calls), '/etc/shadow is outside the places Cohabit writes files');
  });

  it('destroying a dataset this plan did not create, even one Cohabit manages', async () => {
    await refusedWith(
      planOf([{ verb: 'zfs.destroyManaged', args: { dataset: 'zroot/nixos/root' } }]),
      'cohabit:managed=-',
    );
    await refusedWith(
      planOf([{ verb: 'zfs.destroyManaged', args: { dataset: 'zroot/data' } }]),
      'cohabit:journal=ffffffffffffffff',
    );
  });

  it('stamping cohabit:journal on a user dataset to destroy it later', async () => {
    await refusedWith(
      planOf([
        {
          verb: 'zfs.setUserProp',
          args: {
            dataset: 'zroot/nixos/root',
            property: 'cohabit:journal',
            value: SEED_PLAN_ID,
            previous: null,
          },
        },
      ]),
      'cohabit:journal is stamped only when Cohabit creates a dataset',
    );
  });

  it('a file that changed since the plan was made', async () => {
    await refusedWith(
      seedPlan(),
      '/etc/nixos/configuration.nix changed since the plan was made',
      (m) => appendFileSync(m.map('/etc/nixos/configuration.nix'), '# edited by the user\n'),
    );
  });

  it('a plan edited after it was shown (hash mismatch)', async () => {
    const shown = seedPlan();
    const sha = await planSha256(shown);
    const edited = seedPlan();
    const call = (edited.steps[0] as Plan['steps'][number]).call;
    (call.args as { dataset: string }).dataset = 'zroot/nixos/other';
    await refusedWith(edited, 'differs from the one you were shown', undefined, sha);
  });

  it('a mount point that is not empty', async () => {
    await refusedWith(seedPlan(), 'the mount point /mnt/cohabit/new is not empty', (m) => {
      mkdirSync(m.map('/mnt/cohabit/new'));
      writeFileSync(m.map('/mnt/cohabit/new/important'), 'data');
    });
  });
});

describe('timeouts and cancel', () => {
  it('a tool that hangs is stopped after its timeout, and the steps before it are undone', async () => {
    const m = await machine();
    const before = await m.state();
    m.hang = 'nixos-install --root /mnt/cohabit/new --no-root-passwd';
    const result = await applyPlan(seedPlan(), {
      host: m,
      journalDir: JOURNAL,
      timeoutsMs: { 'nixos.install': 200 },
    });
    expect(result.status).toBe('rolled-back');
    expect(result.failedStep).toBe('s13');
    expect(result.message).toContain('did not finish within 200 ms');
    expect(result.failure).toMatchObject({
      kind: 'timed-out',
      argv: ['nixos-install', '--root', '/mnt/cohabit/new', '--no-root-passwd'],
      exitCode: null,
    });
    expect(await m.state()).toEqual(before);
  });

  it('cancel interrupts the running tool, then rolls back', async () => {
    const m = await machine();
    const before = await m.state();
    m.hang = 'nixos-install --root /mnt/cohabit/new --no-root-passwd';
    const controller = new AbortController();
    const result = await applyPlan(seedPlan(), {
      host: m,
      journalDir: JOURNAL,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'step-started' && e.step === 's13') setTimeout(() => controller.abort(), 50);
      },
    });
    expect(result.status).toBe('rolled-back');
    expect(result.cancelled).toBe(true);
    expect(result.message).toContain('You cancelled during step s13');
    expect(result.failure).toMatchObject({
      kind: 'cancelled',
      argv: expect.arrayContaining(['nixos-install']) as string[],
    });
    expect(await m.state()).toEqual(before);
  });
});

describe('recovery from the journal', () => {
  it('a rollback stopped by a busy mount stays listed; recover finishes it once the mount is free', async () => {
    const m = await machine();
    const before = await m.state();
    const plan = seedPlan();
    // nixos-install fails while a shell sits in the new system's /boot.
    m.fault = { match: 'nixos-install --root /mnt/cohabit/new --no-root-passwd', when: 'before' };
    m.busy.add('/mnt/cohabit/new/boot');
    const result = await applyPlan(plan, { host: m, journalDir: JOURNAL });
    expect(result.status).toBe('rollback-incomplete');
    expect(result.failedStep).toBe('s13');
    // The busy unmount, and the undos that need it (the parent mount, the datasets under them).
    expect(result.notUndone.map((n) => n.step)).toEqual(expect.arrayContaining(['s09', 's07']));
    expect(result.notUndone.find((n) => n.step === 's09')?.error).toMatch(/target is busy/);
    expect(result.message).toContain(`cohabit recover --rollback ${SEED_PLAN_ID}`);
    // Still listed, as a rollback to finish (not a run to resume), with its marker kept.
    expect(await findUnfinished(m, JOURNAL)).toEqual([
      expect.objectContaining({ planId: SEED_PLAN_ID, rollbackIncomplete: true, inFlight: 's13' }),
    ]);
    expect(await findUnfinishedMarkers(m, JOURNAL)).toEqual([
      expect.objectContaining({ planId: SEED_PLAN_ID, rollbackIncomplete: true }),
    ]);
    const resumed = await recover(SEED_PLAN_ID, 'resume', { host: m, journalDir: JOURNAL });
    expect(resumed.status).toBe('refused');
    expect(resumed.problems.join(' ')).toMatch(/cannot resume: finish the rollback/);
    // Still busy: recover says so again and keeps it listed.
    const again = await recover(SEED_PLAN_ID, 'rollback', { host: m, journalDir: JOURNAL });
    expect(again.status).toBe('rollback-incomplete');
    expect(await findUnfinished(m, JOURNAL)).toHaveLength(1);
    m.busy.clear();
    const done = await recover(SEED_PLAN_ID, 'rollback', { host: m, journalDir: JOURNAL });
    expect(done.status).toBe('rolled-back');
    expect(done.notUndone).toEqual([]);
    expect(await m.state()).toEqual(before);
    expect(await findUnfinished(m, JOURNAL)).toEqual([]);
    expect(await findUnfinishedMarkers(m, JOURNAL)).toEqual([]);
  });

  it('a plan stopped after some steps is listed, then rolled back by recover', async () => {
    const m = await machine();
    const before = await m.state();
    // Simulate a crash: run the first 9 steps as their own plan would, then stop without an end record.
    const plan = seedPlan();
    const controller = new AbortController();
    let stopAt: (() => void) | null = null;
    const crashed = new Promise<void>((resolve) => (stopAt = resolve));
    m.hang = 'nixos-generate-config --root /mnt/cohabit/new';
    const abandoned = applyPlan(plan, {
      host: m,
      journalDir: JOURNAL,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'step-started' && e.step === 's10') stopAt?.();
      },
    });
    await crashed;
    const unfinished = await findUnfinished(m, JOURNAL);
    expect(unfinished).toEqual([
      expect.objectContaining({
        planId: SEED_PLAN_ID,
        totalSteps: 21,
        doneSteps: 9,
        inFlight: 's10',
      }),
    ]);
    // The "crashed" run is abandoned; a fresh process recovers from the journal alone.
    const fresh = new FakeMachine(m.root, m.store);
    Object.assign(fresh, {
      datasets: m.datasets,
      mounts: m.mounts,
      partitioned: m.partitioned,
      formatted: m.formatted,
    });
    const result = await recover(SEED_PLAN_ID, 'rollback', { host: fresh, journalDir: JOURNAL });
    expect(result.status).toBe('rolled-back');
    expect(await fresh.state()).toEqual(before);
    expect(await findUnfinished(fresh, JOURNAL)).toEqual([]);
    // Let the abandoned run end before its temporary machine is removed.
    controller.abort();
    await abandoned;
  });
});

/** Starts the seed plan and abandons it, as a crash would, once the write of `path` pauses at `at`. */
async function crashDuringWrite(m: FakeMachine, path: string, at: 'half' | 'renamed') {
  let paused: (() => void) | null = null;
  const reached = new Promise<void>((resolve) => (paused = resolve));
  m.pauseWrite = { path, at, onPause: () => paused?.() };
  void applyPlan(seedPlan(), { host: m, journalDir: JOURNAL });
  await reached;
}

/** A new process on the same machine: files on disk, the fake ZFS and mounts as the crash left them. */
function afterReboot(m: FakeMachine): FakeMachine {
  const fresh = new FakeMachine(m.root, m.store);
  Object.assign(fresh, {
    datasets: m.datasets,
    snapshots: m.snapshots,
    mounts: m.mounts,
    partitioned: m.partitioned,
    formatted: m.formatted,
    domains: m.domains,
    generation: m.generation,
  });
  return fresh;
}

async function cleanlyApplied(): Promise<unknown> {
  const m = await machine();
  expect((await applyPlan(seedPlan(), { host: m, journalDir: JOURNAL })).status).toBe('applied');
  return m.state();
}

const markerOf = async (m: FakeMachine) =>
  JSON.parse(await readFile(m.map(`${JOURNAL}/unfinished/${SEED_PLAN_ID}`), 'utf8')) as unknown;

describe('recover with resume', () => {
  for (const at of ['half', 'renamed'] as const)
    it(`a crash with the write of s17 ${at === 'half' ? 'half-way' : 'just renamed'}: s17 is undone, run again, then the rest; the machine ends as after a clean apply`, async () => {
      const m = await machine();
      await crashDuringWrite(m, '/etc/nixos/configuration.nix', at);
      // The temp name is random, with the plan id in it: the journal says which one to remove.
      const temps = readdirSync(m.map('/etc/nixos')).filter((n) =>
        /^\.configuration\.nix\.cohabit-0123456789abcdef-[0-9a-f]{24}\.tmp$/.test(n),
      );
      expect(temps).toHaveLength(at === 'half' ? 1 : 0);
      const leftover = m.map(`/etc/nixos/${temps[0] ?? 'none'}`);
      if (at === 'half') await expect(stat(leftover)).resolves.toBeDefined();
      expect(await markerOf(m)).toEqual({
        planId: SEED_PLAN_ID,
        startedAt: expect.any(String) as string,
        totalSteps: 21,
        doneSteps: 16,
        inFlight: 's17',
      });
      const fresh = afterReboot(m);
      const events: ApplyEvent[] = [];
      const result = await recover(SEED_PLAN_ID, 'resume', {
        host: fresh,
        journalDir: JOURNAL,
        onEvent: (e) => events.push(e),
      });
      expect(result.status).toBe('applied');
      expect(result.message).toMatch(/^All 21 steps are done\./);
      // In order: the interrupted step undone, then s17 to s21 run, nothing before s17 again.
      const order = events.flatMap((e) =>
        e.type === 'step-undone' || e.type === 'step-started' ? [`${e.type} ${e.step}`] : [],
      );
      expect(order).toEqual([
        'step-undone s17',
        ...['s17', 's18', 's19', 's20', 's21'].map((s) => `step-started ${s}`),
      ]);
      expect(fresh.generation).toBe(2);
      expect(await fresh.state()).toEqual(await cleanlyApplied());
      await expect(stat(leftover)).rejects.toThrow();
      expect(await findUnfinished(fresh, JOURNAL)).toEqual([]);
      await expect(stat(fresh.map(`${JOURNAL}/unfinished/${SEED_PLAN_ID}`))).rejects.toThrow();
      // A second resume finds the plan finished.
      const again = await recover(SEED_PLAN_ID, 'resume', { host: fresh, journalDir: JOURNAL });
      expect(again.status).toBe('nothing-to-do');
    });

  it('a resumed plan that fails later rolls back everything, the steps before the crash too', async () => {
    const m = await machine();
    const before = await m.state();
    await crashDuringWrite(m, '/etc/nixos/configuration.nix', 'half');
    const fresh = afterReboot(m);
    fresh.fault = {
      match: 'virsh --connect qemu:///system define /var/lib/cohabit/vms/macos.xml',
      when: 'before',
    };
    const result = await recover(SEED_PLAN_ID, 'resume', { host: fresh, journalDir: JOURNAL });
    expect(result.status).toBe('rolled-back');
    expect(result.failedStep).toBe('s21');
    expect(await fresh.state()).toEqual(before);
    expect(await findUnfinished(fresh, JOURNAL)).toEqual([]);
  });
});

describe('recover with resume, crashed twice', () => {
  it('the journal of a resumed plan tells the second crash apart from the first', async () => {
    const m = await machine();
    await crashDuringWrite(m, '/etc/nixos/configuration.nix', 'half');
    const fresh = afterReboot(m);
    let paused: (() => void) | null = null;
    const reached = new Promise<void>((resolve) => (paused = resolve));
    fresh.pauseWrite = {
      path: '/var/lib/cohabit/vms/macos.xml',
      at: 'half',
      onPause: () => paused?.(),
    };
    void recover(SEED_PLAN_ID, 'resume', { host: fresh, journalDir: JOURNAL });
    await reached;
    // s17 ran twice (undone once, then done): it counts once, as done.
    expect(await findUnfinished(fresh, JOURNAL)).toEqual([
      expect.objectContaining({ doneSteps: 19, inFlight: 's20' }),
    ]);
    // Resuming again touches only the step the second crash interrupted.
    const third = afterReboot(fresh);
    const order: string[] = [];
    const result = await recover(SEED_PLAN_ID, 'resume', {
      host: third,
      journalDir: JOURNAL,
      onEvent: (e) => {
        if (e.type === 'step-undone' || e.type === 'step-started')
          order.push(`${e.type} ${e.step}`);
      },
    });
    expect(result.status).toBe('applied');
    expect(order).toEqual(['step-undone s20', 'step-started s20', 'step-started s21']);
    expect(await third.state()).toEqual(await cleanlyApplied());
  });
});

describe('recover of a plan that never ran here', () => {
  it('says there is no journal for it, instead of a raw ENOENT, and changes nothing', async () => {
    const m = await machine();
    const before = await m.state();
    const result = await recover('fedcba9876543210', 'rollback', { host: m, journalDir: JOURNAL });
    expect(result.status).toBe('refused');
    expect(result.message).toMatch(
      /^No journal for plan fedcba9876543210 under \/var\/lib\/cohabit: .*Nothing was changed\.$/,
    );
    expect(result.message).not.toContain('ENOENT');
    expect(await m.state()).toEqual(before);
  });
});

describe('the world-readable marker of a running plan', () => {
  it('appears when the plan starts, follows its steps, and is gone once it ends', async () => {
    const m = await machine();
    const seen: unknown[] = [];
    const result = await applyPlan(seedPlan(), {
      host: m,
      journalDir: JOURNAL,
      onEvent: (e) => {
        if (e.type === 'step-started' && (e.step === 's01' || e.step === 's13'))
          seen.push(readFile(m.map(`${JOURNAL}/unfinished/${SEED_PLAN_ID}`), 'utf8'));
      },
    });
    expect(result.status).toBe('applied');
    const markers = (await Promise.all(seen)).map((t) => JSON.parse(t as string) as unknown);
    expect(markers).toEqual([
      expect.objectContaining({ totalSteps: 21, doneSteps: 0, inFlight: 's01' }),
      expect.objectContaining({ totalSteps: 21, doneSteps: 12, inFlight: 's13' }),
    ]);
    expect((await stat(m.map(`${JOURNAL}/unfinished`))).mode & 0o777).toBe(0o755);
    await expect(stat(m.map(`${JOURNAL}/unfinished/${SEED_PLAN_ID}`))).rejects.toThrow();
  });

  it('is gone after a failure rolled the plan back, and never written for a refused plan or a dry run', async () => {
    const m = await machine();
    m.fault = { match: 'nixos-install --root /mnt/cohabit/new --no-root-passwd', when: 'before' };
    expect((await applyPlan(seedPlan(), { host: m, journalDir: JOURNAL })).status).toBe(
      'rolled-back',
    );
    await expect(stat(m.map(`${JOURNAL}/unfinished/${SEED_PLAN_ID}`))).rejects.toThrow();
    const other = await machine();
    await applyPlan(seedPlan(), { host: other, journalDir: JOURNAL, dryRun: true });
    await applyPlan(seedPlan(), {
      host: other,
      journalDir: JOURNAL,
      expectedSha256: '0'.repeat(64),
    });
    await expect(stat(other.map(`${JOURNAL}/unfinished`))).rejects.toThrow();
  });
});
