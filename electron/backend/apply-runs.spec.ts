// Apply through the backend: on the demo machine a dry run walks every step and says nothing ran,
// a real apply is refused; on this machine (a fake one here) the plan goes to the executor or the
// helper with the hash of the plan shown, events stream, and pkexec's answers end the run clearly.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventChannel, EventPayload } from '../../shared/api/contract';
import { parseEvent } from '../../shared/api/contract';
import type { KeptPlan } from '../../shared/api/contract';
import type { Plan } from '../../shared/model/plan';
import { seedLayout } from '../../shared/planner/examples';
import { FakeMachine, makeTempDirs } from '../../test/helper/fake-machine';
import { HOST_CONFIGURATION, seedPlan } from '../../test/helper/seed-plan';
import { runRequest } from '../helper/elevate';
import { planSha256 } from '../../shared/ops/plan-identity';
import type { Request } from '../../shared/ops/helper-protocol';
import type { Backend } from './backend';
import { createBackend } from './backend';
import { JOURNAL_UNREADABLE_NOTE } from './apply-runs';
import { PlanStore } from './plan-store';
import type { LocalApplyEnvironment } from './apply-runs';

const REPO = resolve(import.meta.dirname, '../..');
type Seen = { channel: EventChannel; payload: unknown };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Collects events as the renderer would receive them: each parsed against the contract. */
function record(backend: Backend) {
  const seen: Seen[] = [];
  let onDone: ((p: EventPayload<'apply:done'>) => void) | null = null;
  backend.subscribe((channel, payload) => {
    seen.push({ channel, payload: parseEvent(channel, payload) });
    if (channel === 'apply:done') onDone?.(payload as EventPayload<'apply:done'>);
  });
  const done = () =>
    new Promise<EventPayload<'apply:done'>>((resolve) => {
      onDone = resolve;
    });
  const progress = () =>
    seen
      .filter((s) => s.channel === 'apply:event')
      .map((s) => (s.payload as EventPayload<'apply:event'>).event);
  return { seen, done, progress };
}

async function demoPlan(backend: Backend): Promise<KeptPlan> {
  const inventory = await backend.handlers['machine:inventory']({});
  return backend.handlers['plan:make']({ layout: seedLayout(inventory) });
}

/** How the renderer names a kept plan in apply:start. */
const ref = (kept: KeptPlan, dryRun: boolean) => ({
  planId: kept.plan.id,
  sha256: kept.sha256,
  dryRun,
});

describe('apply on the demo machine', () => {
  it('dry-runs the seed plan step by step and says in every step and the result that nothing ran', async () => {
    const backend = createBackend({ kind: 'demo' }, { apply: { simulatedStepMs: 0 } });
    const kept = await demoPlan(backend);
    const plan = kept.plan;
    const r = record(backend);
    const finished = r.done();
    const { applyId } = await backend.handlers['apply:start'](ref(kept, true));
    const done = await finished;
    expect(done.applyId).toBe(applyId);
    expect(done.outcome.kind).toBe('finished');
    expect(done.outcome.result?.status).toBe('dry-run');
    expect(done.outcome.result?.message).toMatch(/nothing ran.*recorded machine/i);
    const events = r.progress();
    expect(events[0]).toMatchObject({ type: 'plan-started', planId: plan.id, dryRun: true });
    const started = events.filter((e) => e.type === 'step-started');
    expect(started.map((e) => e.step)).toEqual(plan.steps.map((s) => s.id));
    const finishedOk = events.filter((e) => e.type === 'step-finished' && e.ok);
    expect(finishedOk).toHaveLength(plan.steps.length);
    const lines = events.flatMap((e) => (e.type === 'output' ? [e.line] : []));
    expect(lines).toHaveLength(plan.steps.length);
    for (const line of lines) expect(line).toMatch(/^Nothing ran: the demo machine is a recorded/);
    expect(lines[0]).toContain('would run: zfs create');
    expect(lines.some((l) => l.includes('would write /etc/nixos/configuration.nix'))).toBe(true);
    // Every event belongs to this run.
    for (const s of r.seen) expect((s.payload as { applyId: string }).applyId).toBe(applyId);
  });

  it('refuses a real apply: a recording cannot be changed', async () => {
    const backend = createBackend({ kind: 'demo' });
    const kept = await demoPlan(backend);
    const plan = kept.plan;
    await expect(backend.handlers['apply:start'](ref(kept, false))).rejects.toMatchObject({
      code: 'recorded-machine',
      message: expect.stringContaining('the demo machine is a recorded machine') as string,
    });
    await expect(
      backend.handlers['apply:recover']({ planId: plan.id, mode: 'rollback' }),
    ).rejects.toMatchObject({ code: 'recorded-machine' });
  });

  it('finds no unfinished plan on a recording', async () => {
    const backend = createBackend({ kind: 'demo' });
    await expect(backend.handlers['apply:unfinished']({})).resolves.toEqual({
      plans: [],
      checked: true,
      note: null,
    });
  });

  it('cancels the walk-through, runs one thing at a time, and keeps the machine while it runs', async () => {
    const backend = createBackend({ kind: 'demo' }, { apply: { simulatedStepMs: 30 } });
    const kept = await demoPlan(backend);
    const plan = kept.plan;
    const r = record(backend);
    const finished = r.done();
    const { applyId } = await backend.handlers['apply:start'](ref(kept, true));
    await expect(backend.handlers['apply:start'](ref(kept, true))).rejects.toMatchObject({
      code: 'apply-busy',
    });
    await expect(backend.handlers['machine:select']({ source: 'demo' })).rejects.toMatchObject({
      code: 'apply-busy',
    });
    await new Promise((resolve) => setTimeout(resolve, 70));
    await expect(
      backend.handlers['apply:cancel']({ applyId: 'ffffffffffffffff' }),
    ).resolves.toEqual({ cancelling: false });
    await expect(backend.handlers['apply:cancel']({ applyId })).resolves.toEqual({
      cancelling: true,
    });
    const done = await finished;
    expect(done.outcome.result?.cancelled).toBe(true);
    expect(done.outcome.result?.message).toMatch(/^Dry run cancelled after \d+ of 29 steps/);
    const started = r.progress().filter((e) => e.type === 'step-started');
    expect(started.length).toBeGreaterThan(0);
    expect(started.length).toBeLessThan(plan.steps.length);
    // Ended: the next run is welcome.
    const again = r.done();
    await backend.handlers['apply:start'](ref(kept, true));
    await again;
  });

  it('refuses a plan with no steps', async () => {
    const plans = new PlanStore();
    const backend = createBackend({ kind: 'demo' }, { plans });
    const { plan } = await demoPlan(backend);
    const empty = await plans.keep(
      { ...plan, steps: [] },
      { origin: { kind: 'made' }, machine: 'demo|the demo machine', inventory: null },
    );
    await expect(
      backend.handlers['apply:start']({
        planId: empty.plan.id,
        sha256: empty.sha256,
        dryRun: true,
      }),
    ).rejects.toMatchObject({ code: 'nothing-to-apply' });
  });
});

describe('plans by reference', () => {
  it('refuses a plan id it did not make, and a hash that is not the one it gave', async () => {
    const backend = createBackend({ kind: 'demo' }, { apply: { simulatedStepMs: 0 } });
    const kept = await demoPlan(backend);
    await expect(
      backend.handlers['apply:start']({ ...ref(kept, true), planId: 'ffffffffffffffff' }),
    ).rejects.toMatchObject({
      code: 'plan.unknown',
      message: expect.stringMatching(/did not make plan ffffffffffffffff/) as string,
    });
    await expect(
      backend.handlers['apply:start']({ ...ref(kept, true), sha256: 'f'.repeat(64) }),
    ).rejects.toMatchObject({
      code: 'plan.hash-mismatch',
      message: expect.stringMatching(/not the plan you were shown/) as string,
    });
    // The hash given is the plan's own: a plan shown is the plan that runs.
    expect(kept.sha256).toBe(await planSha256(kept.plan));
    expect(kept.origin).toEqual({ kind: 'made' });
  });

  it('keeps what it gave frozen: changing the plan in hand changes nothing', async () => {
    const plans = new PlanStore();
    const backend = createBackend({ kind: 'demo' }, { plans });
    const kept = await demoPlan(backend);
    const stored = plans.take(kept.plan.id, kept.sha256, 'demo|the demo machine');
    expect(() => {
      (stored.plan.steps as unknown as unknown[]).pop();
    }).toThrow(TypeError);
  });

  it('refuses a plan made for another machine once the machine shown changed', async () => {
    const plans = new PlanStore();
    const backend = createBackend({ kind: 'demo' }, { plans });
    const kept = await demoPlan(backend);
    // As if the app had made it on a recording of another machine.
    const other = await plans.keep(structuredClone<Plan>(kept.plan), {
      origin: { kind: 'made' },
      machine: 'snapshot|snapshot other.json',
      inventory: null,
    });
    await expect(
      backend.handlers['apply:start']({
        planId: other.plan.id,
        sha256: other.sha256,
        dryRun: true,
      }),
    ).rejects.toMatchObject({
      code: 'plan.other-machine',
      message: `Plan ${kept.plan.id} was made for snapshot other.json, not for the machine shown now (the demo machine): make the plan again here.`,
    });
  });

  it('opens a plan file after the same checks, marks it as from the file, and dry-runs it', async () => {
    const backend = createBackend({ kind: 'demo' }, { apply: { simulatedStepMs: 0 } });
    const made = await demoPlan(backend);
    const text = JSON.stringify(made.plan, null, 2);
    const opened = await backend.handlers['plan:open']({ name: 'saved-plan.json', text });
    expect(opened.origin).toEqual({ kind: 'file', name: 'saved-plan.json' });
    expect(opened.sha256).toBe(await planSha256(opened.plan));
    const r = record(backend);
    const finished = r.done();
    await backend.handlers['apply:start'](ref(opened, true));
    expect((await finished).outcome.result?.planId).toBe(made.plan.id);
  });

  it('refuses a plan file that is not JSON, not a plan, for another pool, or shows one thing and does another', async () => {
    const backend = createBackend({ kind: 'demo' });
    const made = await demoPlan(backend);
    const open = (text: string) =>
      backend.handlers['plan:open']({ name: 'p.json', text }).catch((e: unknown) => e);
    expect(await open('{')).toMatchObject({
      code: 'plan.invalid',
      message: 'p.json is not JSON, so it is not a Cohabit plan.',
    });
    expect(await open('{"format":"cohabit-plan/1"}')).toMatchObject({
      code: 'plan.invalid',
      message: expect.stringMatching(/^p\.json is not a Cohabit plan: id: /) as string,
    });
    expect(await open(JSON.stringify({ ...made.plan, pool: 'tank' }))).toMatchObject({
      code: 'plan.other-machine',
      message:
        'p.json is a plan for the pool tank, which the demo machine does not have (it has zroot).',
    });
    const lying = structuredClone<Plan>(made.plan);
    const first = lying.steps[0] as Plan['steps'][number];
    first.preview = { kind: 'command', argv: ['true'], shell: 'true' };
    expect(await open(JSON.stringify(lying))).toMatchObject({
      code: 'plan.inconsistent',
      message: expect.stringContaining(
        `step ${first.id}: its preview is not the command`,
      ) as string,
    });
  });
});

async function fakeMachine(): Promise<{ m: FakeMachine; base: string }> {
  const base = mkdtempSync(join(tmpdir(), 'cohabit-backend-'));
  dirs.push(base);
  const { root, store } = makeTempDirs(base);
  const m = new FakeMachine(root, store);
  await m.seed({ '/etc/nixos/configuration.nix': { content: HOST_CONFIGURATION, mode: 0o640 } });
  return { m, base };
}

/** This machine, played by a fake one: the elevated side runs the executor in-process on it. */
function localBackend(
  m: FakeMachine,
  runElevated?: LocalApplyEnvironment['runElevated'],
): { backend: Backend; requests: Request[]; plans: PlanStore } {
  const requests: Request[] = [];
  const env: LocalApplyEnvironment = {
    runElevated: (request, options) => {
      requests.push(request);
      return runElevated
        ? runElevated(request, options)
        : runRequest(request, {
            mode: 'in-process',
            host: m,
            journalDir: '/var/lib/cohabit',
            ...options,
          });
    },
    dryRunHost: () => m,
    listUnfinished: () => Promise.resolve({ plans: [], checked: true, note: null }),
  };
  const plans = new PlanStore();
  return {
    backend: createBackend({ kind: 'local' }, { apply: { local: env }, plans }),
    requests,
    plans,
  };
}

/** A plan kept as if this backend had made it for this machine. */
async function keptHere(plans: PlanStore, plan: Plan, dryRun: boolean) {
  const stored = await plans.keep(plan, {
    origin: { kind: 'made' },
    machine: 'local|this machine',
    inventory: null,
  });
  return { planId: stored.plan.id, sha256: stored.sha256, dryRun };
}

describe('apply on this machine', () => {
  it('closing the backend mid-apply (the app quits, serve gets Ctrl+C) cancels it and waits for the rollback', async () => {
    const { m } = await fakeMachine();
    const before = await m.state();
    const { backend, plans } = localBackend(m);
    const plan = seedPlan();
    m.hang = 'nixos-generate-config --root /mnt/cohabit/new';
    const r = record(backend);
    const finished = r.done();
    await backend.handlers['apply:start'](await keptHere(plans, plan, false));
    while (!r.progress().some((e) => e.type === 'step-started' && e.step === 's10'))
      await new Promise((resolve) => setTimeout(resolve, 10));
    let doneFirst = false;
    void finished.then(() => (doneFirst = true));
    await backend.close();
    // The run had ended, rolled back, and said so before close returned.
    expect(doneFirst).toBe(true);
    const done = await finished;
    expect(done.outcome.result).toMatchObject({ status: 'rolled-back', cancelled: true });
    expect(await m.state()).toEqual(before);
    await expect(backend.handlers['machine:info']({})).rejects.toMatchObject({ code: 'closed' });
  });

  it('dry-runs in-process: preconditions checked on the machine, nothing changed', async () => {
    const { m } = await fakeMachine();
    const before = await m.state();
    const { backend, requests, plans } = localBackend(m);
    const r = record(backend);
    const finished = r.done();
    await backend.handlers['apply:start'](await keptHere(plans, seedPlan(), true));
    const done = await finished;
    expect(done.outcome.result?.status).toBe('dry-run');
    expect(done.outcome.result?.message).toContain('every precondition holds');
    expect(requests).toEqual([]); // no elevation for a dry run
    expect(await m.state()).toEqual(before);
  });

  it('applies through the elevated side with the hash of the plan shown, streaming its events', async () => {
    const { m } = await fakeMachine();
    const { backend, requests, plans } = localBackend(m);
    const r = record(backend);
    const finished = r.done();
    const plan = seedPlan();
    await backend.handlers['apply:start'](await keptHere(plans, plan, false));
    const done = await finished;
    expect(requests).toEqual([
      { type: 'apply', plan, sha256: await planSha256(plan), dryRun: false },
    ]);
    expect(done.outcome.kind).toBe('finished');
    expect(done.outcome.result?.status).toBe('applied');
    expect(r.progress().filter((e) => e.type === 'step-finished')).toHaveLength(plan.steps.length);
    expect(m.domains.has('macos')).toBe(true);
  });

  it('reports a dismissed pkexec dialog as such: nothing ran', async () => {
    const { m, base } = await fakeMachine();
    const bin = join(base, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'pkexec'), '#!/bin/sh\nexit 126\n');
    chmodSync(join(bin, 'pkexec'), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const { backend, plans } = localBackend(m, (request, options) =>
      runRequest(request, { mode: 'pkexec', helperPath: '/nonexistent', env, ...options }),
    );
    const r = record(backend);
    const finished = r.done();
    const before = await m.state();
    await backend.handlers['apply:start'](await keptHere(plans, seedPlan(), false));
    const done = await finished;
    expect(done.outcome).toEqual({
      kind: 'dismissed',
      message: 'You dismissed the authentication dialog; nothing was changed.',
      result: null,
      recoverPlanId: null,
    });
    expect(await m.state()).toEqual(before);
  });

  it('sends a recovery to the elevated side', async () => {
    const { m } = await fakeMachine();
    const { backend, requests } = localBackend(m);
    const r = record(backend);
    const finished = r.done();
    await backend.handlers['apply:recover']({ planId: '0123456789abcdef', mode: 'rollback' });
    const done = await finished;
    expect(requests).toEqual([{ type: 'recover', planId: '0123456789abcdef', mode: 'rollback' }]);
    // The fake machine never started that plan, so its journal is missing: a clear failure.
    expect(done.outcome.kind).not.toBe('dismissed');
    expect(done.outcome.message).toContain(
      'No journal for plan 0123456789abcdef under /var/lib/cohabit',
    );
    expect(done.outcome.result?.status).toBe('refused');
  });
});

describe('unfinished plans seen by a normal user', () => {
  /** Runs the backend's apply:unfinished in a child process as nobody (or, not being root, as us). */
  function askAsUser(journalDir: string): { uid: number | null; answer: unknown } {
    const asRoot = process.getuid?.() === 0;
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'test/helper/unfinished-as-user.ts'), journalDir],
      {
        cwd: REPO,
        encoding: 'utf8',
        timeout: 30_000,
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      },
    );
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as { uid: number | null; answer: unknown };
  }

  it('lists a plan a crash stopped, from its world-readable marker, without the root-only journal', async () => {
    const { m, base } = await fakeMachine();
    // The path down to /var/lib/cohabit is open to everyone, as on a real machine.
    chmodSync(base, 0o755);
    const plan = seedPlan();
    // A run that never ends stands for a crash: its last records are what a kill -9 leaves.
    m.hang = 'nixos-generate-config --root /mnt/cohabit/new';
    const controller = new AbortController();
    let reached: (() => void) | null = null;
    const atStep = new Promise<void>((resolve) => (reached = resolve));
    void runRequest(
      { type: 'apply', plan, sha256: await planSha256(plan), dryRun: false },
      {
        mode: 'in-process',
        host: m,
        journalDir: '/var/lib/cohabit',
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'step-started' && e.step === 's10') reached?.();
        },
      },
    );
    await atStep;
    const journalDir = m.map('/var/lib/cohabit');
    if (process.getuid?.() !== 0) chmodSync(join(journalDir, 'journal'), 0o000);
    const seen = askAsUser(journalDir);
    expect(seen.uid).not.toBe(0);
    expect(seen.answer).toEqual({
      plans: [
        {
          planId: plan.id,
          startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
          totalSteps: plan.steps.length,
          doneSteps: 9,
          inFlight: 's10',
        },
      ],
      checked: true,
      note: null,
    });
    // The journal itself stays closed to that user: only the marker told.
    expect(statSync(join(journalDir, 'journal')).mode & 0o077).toBe(0);
    expect(statSync(join(journalDir, 'unfinished', plan.id)).mode & 0o777).toBe(0o644);
    controller.abort();
  });

  it('says it could not look when even the markers are closed to the user', async () => {
    const { m, base } = await fakeMachine();
    chmodSync(base, 0o755);
    const journalDir = m.map('/var/lib/cohabit');
    mkdirSync(join(journalDir, 'journal'), { mode: 0o700 });
    mkdirSync(join(journalDir, 'unfinished'), { mode: 0o700 });
    if (process.getuid?.() !== 0) {
      chmodSync(join(journalDir, 'journal'), 0o000);
      chmodSync(join(journalDir, 'unfinished'), 0o000);
    }
    expect(askAsUser(journalDir).answer).toEqual({
      plans: [],
      checked: false,
      note: JOURNAL_UNREADABLE_NOTE,
    });
  });

  it('lists nothing once the plan ended: the marker goes with the final journal record', async () => {
    const { m, base } = await fakeMachine();
    chmodSync(base, 0o755);
    const plan = seedPlan();
    const outcome = await runRequest(
      { type: 'apply', plan, sha256: await planSha256(plan), dryRun: false },
      { mode: 'in-process', host: m, journalDir: '/var/lib/cohabit' },
    );
    expect(outcome.result?.status).toBe('applied');
    expect(askAsUser(m.map('/var/lib/cohabit')).answer).toEqual({
      plans: [],
      checked: true,
      note: null,
    });
  });
});
