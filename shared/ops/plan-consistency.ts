// What the user reads of a plan must be what runs: every step's risk, preview and undo are derived
// from its verb again and compared. The helper builds argv from the verb alone, so a plan file
// whose preview says `zfs list` over a call that destroys a dataset would show one thing and do
// another; such a plan is refused when it is opened, before anyone is asked to approve it.
import { shellQuote } from '../emit/shell-quote';
import type { Plan, Step } from '../model/plan';
import { specOf } from './verbs';
import type { Verb, VerbArgs } from './verbs';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function stepProblems(plan: Plan, step: Step): string[] {
  const call = step.call as { verb: Verb; args: VerbArgs<Verb> };
  const spec = specOf(call, plan.id);
  const problems: string[] = [];
  const risk = spec.risk(call.args);
  if (step.risk !== risk) problems.push(`its risk says ${step.risk} but ${call.verb} is ${risk}`);
  const argv = spec.argv(call.args);
  const p = step.preview;
  if (argv !== null) {
    if (p.kind !== 'command' || !same(p.argv, argv) || p.shell !== shellQuote(argv))
      problems.push(`its preview is not the command ${call.verb} runs (${shellQuote(argv)})`);
  } else {
    const file = call.args as { path?: unknown; content?: unknown };
    if (p.kind !== 'file' || p.path !== file.path || p.content !== file.content)
      problems.push(`its preview is not the file ${call.verb} writes`);
  }
  const undo = spec.undo(call.args);
  if (
    !same(step.undo.argv, undo.argv) ||
    step.undo.text !== undo.text ||
    !same(
      step.undo.shell,
      undo.argv.map((a) => shellQuote(a)),
    )
  )
    problems.push(`its undo is not the undo of ${call.verb}`);
  return problems;
}

/** Why the plan does not read as what it does, one line per problem; [] when it does. */
export function planConsistencyProblems(plan: Plan): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const step of plan.steps) {
    if (ids.has(step.id)) problems.push(`step ${step.id}: two steps share this id`);
    ids.add(step.id);
    for (const p of stepProblems(plan, step)) problems.push(`step ${step.id}: ${p}`);
  }
  if (plan.steps.length > 0 && plan.diagnostics.some((d) => d.severity === 'error'))
    problems.push('the plan has steps although its layout has errors');
  return problems;
}
