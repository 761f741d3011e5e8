// Folding a run's events into what the Apply view shows. The event sequences are written by hand in
// the helper protocol's shapes (the executor's own specs cover which events it sends and when).
import { describe, expect, it } from 'vitest';
import type { ApplyOutcome, ApplyProgress, ApplyResult } from '../../../shared/api/contract';
import type { Plan, Step } from '../../../shared/model/plan';
import type { StepFailure } from '../../../shared/ops/step-failure';
import type { RunState } from './apply-progress';
import {
  LOG_LIMIT,
  finishRun,
  outcomeHeadline,
  outcomeTone,
  reduceRun,
  runProgress,
  startRun,
} from './apply-progress';

const step = (id: string, title: string, risk: Step['risk']): Step => ({
  id,
  call: { verb: 'fs.mkdir', args: { path: `/mnt/cohabit/${id}`, mode: 0o755 } },
  title,
  why: { element: 'systems[0]', text: '' },
  risk,
  preview: { kind: 'command', argv: ['mkdir'], shell: 'mkdir' },
  undo: { text: '', argv: [], shell: [] },
});

const plan = {
  id: '0123456789abcdef',
  steps: [
    step('s01', 'Create the dataset zroot/new-system', 'creates'),
    step('s02', 'Install NixOS into zroot/new-system', 'creates'),
    step('s03', 'Import ./cohabit.nix in /etc/nixos/configuration.nix', 'modifies'),
  ],
} as Plan;

const result = (patch: Partial<ApplyResult>): ApplyResult => ({
  status: 'applied',
  planId: plan.id,
  message: '',
  cancelled: false,
  failedStep: null,
  failure: null,
  problems: [],
  undone: [],
  notUndone: [],
  ...patch,
});
const finished = (r: ApplyResult): ApplyOutcome => ({
  kind: 'finished',
  message: r.message,
  result: r,
  recoverPlanId: null,
});

function fold(events: ApplyProgress[], outcome?: ApplyOutcome): RunState {
  let run = startRun('ffffffffffffffff', 'apply', plan);
  for (const e of events) run = reduceRun(run, e);
  return outcome === undefined ? run : finishRun(run, outcome);
}

const started = (i: number): ApplyProgress => ({
  type: 'step-started',
  step: plan.steps[i]?.id ?? '',
  index: i,
  total: 3,
  title: plan.steps[i]?.title ?? '',
});
const ok = (i: number): ApplyProgress => ({
  type: 'step-finished',
  step: plan.steps[i]?.id ?? '',
  ok: true,
  failure: null,
});
const installFailed: StepFailure = {
  kind: 'command-failed',
  message: 'nixos-install exited 1',
  argv: ['nixos-install', '--root', '/mnt/cohabit/new-system'],
  exitCode: 1,
  stderrTail: ['error: out of space'],
};
const planStarted: ApplyProgress = {
  type: 'plan-started',
  planId: plan.id,
  dryRun: false,
  steps: plan.steps.map((s) => ({ id: s.id, title: s.title, risk: s.risk })),
};

describe('reduceRun', () => {
  it('starts with every step of the plan waiting', () => {
    const run = startRun('ffffffffffffffff', 'dry-run', plan);
    expect(run.steps.map((s) => s.state)).toEqual(['pending', 'pending', 'pending']);
    expect(runProgress(run)).toMatchObject({ finished: 0, total: 3, percent: 0, current: null });
  });

  it("counts a running step's own percentage in the overall progress", () => {
    const run = fold([
      planStarted,
      started(0),
      ok(0),
      started(1),
      { type: 'output', step: 's02', stream: 'stdout', line: 'copying channel... 50%' },
      { type: 'progress', step: 's02', percent: 50 },
    ]);
    const p = runProgress(run);
    expect(p.current?.id).toBe('s02');
    expect(p.current?.percent).toBe(50);
    expect(p.finished).toBe(1);
    expect(p.percent).toBe(50); // (1 + 0.5) / 3
    expect(run.log.map((l) => l.text)).toEqual([
      'Applying plan 0123456789abcdef: 3 steps.',
      '[1/3] Create the dataset zroot/new-system',
      '[2/3] Install NixOS into zroot/new-system',
      'copying channel... 50%',
    ]);
    expect(run.log[3]).toMatchObject({ step: 's02', kind: 'stdout' });
  });

  it('ends an applied run at 100 % with its next steps headline', () => {
    const r = result({ status: 'applied', message: 'All 3 steps are done.' });
    const run = fold(
      [planStarted, started(0), ok(0), started(1), ok(1), started(2), ok(2)],
      finished(r),
    );
    expect(runProgress(run).percent).toBe(100);
    expect(outcomeHeadline(run)).toBe('Applied: every step is done');
    expect(outcomeTone(run)).toBe('ok');
  });

  it('shows a failed step, the rollback and what was undone', () => {
    const r = result({
      status: 'rolled-back',
      failedStep: 's02',
      undone: [
        { step: 's02', text: 'nothing to undo' },
        { step: 's01', text: 'Destroy zroot/new-system' },
      ],
    });
    const run = fold(
      [
        planStarted,
        started(0),
        ok(0),
        started(1),
        { type: 'step-finished', step: 's02', ok: false, failure: installFailed },
        { type: 'rollback-started', reason: 'Step s02 failed: nixos-install exited 1' },
        { type: 'step-undone', step: 's02', ok: true, message: 'nothing to undo' },
        { type: 'step-undone', step: 's01', ok: true, message: 'Destroy zroot/new-system' },
      ],
      finished(r),
    );
    expect(run.steps.map((s) => s.state)).toEqual(['undone', 'undone', 'pending']);
    expect(run.steps[1]?.failure).toEqual(installFailed);
    expect(run.rollback).toBe('Step s02 failed: nixos-install exited 1');
    expect(run.log.some((l) => l.kind === 'stderr' && l.text.includes('s02 failed'))).toBe(true);
    expect(outcomeHeadline(run)).toBe('A step failed and everything was rolled back');
    expect(outcomeTone(run)).toBe('warn');
  });

  it('marks a step that was running when the helper died as failed', () => {
    const run = fold([planStarted, started(0)], {
      kind: 'stopped-mid-step',
      message: 'The helper was killed (SIGKILL) during step s01.',
      result: null,
      recoverPlanId: plan.id,
    });
    expect(run.steps[0]?.state).toBe('failed');
    expect(outcomeHeadline(run)).toBe('Stopped in the middle of a step');
    expect(outcomeTone(run)).toBe('error');
  });

  it('says a dismissed or refused authentication changed nothing', () => {
    const outcome = (kind: ApplyOutcome['kind']): ApplyOutcome => ({
      kind,
      message: '',
      result: null,
      recoverPlanId: null,
    });
    expect(outcomeHeadline(fold([], outcome('dismissed')))).toBe(
      'Authentication dismissed: nothing was changed',
    );
    expect(outcomeHeadline(fold([], outcome('not-authorised')))).toBe(
      'Not authorised: nothing was changed',
    );
    expect(runProgress(fold([], outcome('dismissed'))).finished).toBe(0);
  });

  it('adds the steps a recovery names, which the page never saw in a plan', () => {
    let run = startRun('ffffffffffffffff', 'recover', null);
    run = reduceRun(run, { type: 'rollback-started', reason: 'Finishing the rollback.' });
    run = reduceRun(run, { type: 'step-undone', step: 's07', ok: false, message: 'busy' });
    expect(run.steps).toMatchObject([{ id: 's07', state: 'not-undone', undoMessage: 'busy' }]);
  });

  it('keeps only the last lines of a long log', () => {
    let run = fold([planStarted, started(1)]);
    for (let i = 0; i < LOG_LIMIT + 50; i++)
      run = reduceRun(run, { type: 'output', step: 's02', stream: 'stdout', line: `line ${i}` });
    expect(run.log).toHaveLength(LOG_LIMIT);
    expect(run.log.at(-1)?.text).toBe(`line ${LOG_LIMIT + 49}`);
    expect(new Set(run.log.map((l) => l.n)).size).toBe(LOG_LIMIT);
  });
});
