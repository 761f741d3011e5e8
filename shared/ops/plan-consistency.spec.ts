// A plan reads as what it does: the planner's own plans pass, and a plan file whose preview, undo
// or risk was edited away from its verb is caught, naming the step.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDemoHost } from '../../electron/host/select-host';
import { readInventory } from '../../electron/inventory/read-inventory';
import { readPlanFiles } from '../../electron/planner/read-plan-files';
import type { Plan } from '../model/plan';
import { seedLayout } from '../planner/examples';
import { plan as makePlan } from '../planner/plan';
import { planConsistencyProblems } from './plan-consistency';

let seed: Plan;
beforeAll(async () => {
  const host = await loadDemoHost();
  const inventory = await readInventory(host);
  const layout = seedLayout(inventory);
  const files = await readPlanFiles(host, inventory, layout);
  seed = await makePlan(inventory, layout, {
    id: '0123456789abcdef',
    now: '2026-01-01T00:00:00Z',
    files: files.files,
    dirs: files.dirs,
  });
});

describe('planConsistencyProblems', () => {
  it('finds nothing in a plan the planner made', () => {
    expect(seed.steps.length).toBeGreaterThan(10);
    expect(planConsistencyProblems(seed)).toEqual([]);
  });

  it('catches a preview that shows another command than the verb runs', () => {
    const edited = structuredClone(seed);
    const destroy = edited.steps.findIndex((s) => s.preview.kind === 'command');
    const step = edited.steps[destroy] as Plan['steps'][number];
    step.preview = { kind: 'command', argv: ['zfs', 'list'], shell: 'zfs list' };
    expect(planConsistencyProblems(edited)).toEqual([
      expect.stringMatching(new RegExp(`^step ${step.id}: its preview is not the command`)),
    ]);
  });

  it('catches a file preview that differs from the content written', () => {
    const edited = structuredClone(seed);
    const step = edited.steps.find((s) => s.preview.kind === 'file');
    if (step?.preview.kind !== 'file') throw new Error('the seed plan writes files');
    step.preview.content = 'harmless\n';
    expect(planConsistencyProblems(edited)).toEqual([
      `step ${step.id}: its preview is not the file file.write writes`,
    ]);
  });

  it('catches an undo, a risk and a step id that were edited', () => {
    const edited = structuredClone(seed);
    const [a, b] = edited.steps as [Plan['steps'][number], Plan['steps'][number]];
    a.undo = { ...a.undo, text: 'Nothing to undo.' };
    b.risk = 'read-only';
    b.id = a.id;
    const problems = planConsistencyProblems(edited);
    expect(problems).toContain(`step ${a.id}: its undo is not the undo of ${a.call.verb}`);
    expect(problems).toContain(`step ${a.id}: two steps share this id`);
    expect(problems.some((p) => /its risk says read-only/.test(p))).toBe(true);
  });
});
