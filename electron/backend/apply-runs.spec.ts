// Apply through the backend: on the demo machine a dry run walks every step and says nothing ran,
// a real apply is refused; on this machine (a fake one here) the plan goes to the executor or the
// helper with the hash of the plan shown, events stream, and pkexec's answers end the run clearly.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventChannel, EventPayload } from '../../shared/api/contract';
import { parseEvent } from '../../shared/api/contract';
import type { Plan } from '../../shared/model/plan';
import { seedLayout } from '../../shared/planner/examples';
import { FakeMachine, makeTempDirs } from '../../test/helper/fake-machine';
import { HOST_CONFIGURATION, seedPlan } from '../../test/helper/seed-plan';
import { runRequest } from '../helper/elevate';
import { planSha256 } from '../helper/executor';
import type { Request } from '../helper/protocol';
import type { Backend } from './backend';
import { createBackend } from './backend';
import type { LocalApplyEnvironment } from './apply-runs';

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

async function demoPlan(backend: Backend): Promise<Plan> {
  const inventory = await backend.handlers['machine:inventory']({});
  return backend.handlers['plan:make']({ layout: seedLayout(inventory) });
}

describe('apply on the demo machine', () => {
  it('dry-runs the seed plan step by step and says in every step and the result that nothing ran', async () => {
    const backend = createBackend({ kind: 'demo' }, { apply: { simulatedStepMs: 0 } });
    const plan = await demoPlan(backend);
    const r = record(backend);
    const finished = r.done();
    const { applyId } = await backend.handlers['apply:start']({ plan, dryRun: true });
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
    const plan = await demoPlan(backend);
    await expect(backend.handlers['apply:start']({ plan, dryRun: false })).rejects.toMatchObject({
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
    const plan = await demoPlan(backend);
    const r = record(backend);
    const finished = r.done();
    const { applyId } = await backend.handlers['apply:start']({ plan, dryRun: true });
    await expect(backend.handlers['apply:start']({ plan, dryRun: true })).rejects.toMatchObject({
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
    await backend.handlers['apply:start']({ plan, dryRun: true });
    await again;
  });

  it('refuses a plan with no steps', async () => {
    const backend = createBackend({ kind: 'demo' });
    const plan = await demoPlan(backend);
    await expect(
      backend.handlers['apply:start']({ plan: { ...plan, steps: [] }, dryRun: true }),
    ).rejects.toMatchObject({ code: 'nothing-to-apply' });
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
): { backend: Backend; requests: Request[] } {
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
  return { backend: createBackend({ kind: 'local' }, { apply: { local: env } }), requests };
}

describe('apply on this machine', () => {
  it('dry-runs in-process: preconditions checked on the machine, nothing changed', async () => {
    const { m } = await fakeMachine();
    const before = await m.state();
    const { backend, requests } = localBackend(m);
    const r = record(backend);
    const finished = r.done();
    await backend.handlers['apply:start']({ plan: seedPlan(), dryRun: true });
    const done = await finished;
    expect(done.outcome.result?.status).toBe('dry-run');
    expect(done.outcome.result?.message).toContain('every precondition holds');
    expect(requests).toEqual([]); // no elevation for a dry run
    expect(await m.state()).toEqual(before);
  });

  it('applies through the elevated side with the hash of the plan shown, streaming its events', async () => {
    const { m } = await fakeMachine();
    const { backend, requests } = localBackend(m);
    const r = record(backend);
    const finished = r.done();
    const plan = seedPlan();
    await backend.handlers['apply:start']({ plan, dryRun: false });
    const done = await finished;
    expect(requests).toEqual([{ type: 'apply', plan, sha256: planSha256(plan), dryRun: false }]);
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
    const { backend } = localBackend(m, (request, options) =>
      runRequest(request, { mode: 'pkexec', helperPath: '/nonexistent', env, ...options }),
    );
    const r = record(backend);
    const finished = r.done();
    const before = await m.state();
    await backend.handlers['apply:start']({ plan: seedPlan(), dryRun: false });
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
    expect(done.outcome.message).toContain('0123456789abcdef.jsonl');
  });
});
