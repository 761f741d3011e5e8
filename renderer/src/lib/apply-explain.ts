// What a plan will change, in the words shown before anything runs (and before the system asks for
// a password): how many steps of each risk, and which steps touch what already exists.
import type { Plan, Step } from '../../../shared/model/plan';
import { riskOfVerb } from '../../../shared/ops/verb-confirmation';
import type { Risk } from '../../../shared/ops/verbs';

export const RISK_ORDER: readonly Risk[] = ['destructive', 'modifies', 'creates', 'read-only'];

export const RISK_LABEL: Record<Risk, string> = {
  destructive: 'DESTRUCTIVE',
  modifies: 'modifies',
  creates: 'creates',
  'read-only': 'read-only',
};

/** What each risk means to the user, for tooltips and the explanation. */
export const RISK_MEANING: Record<Risk, string> = {
  destructive: 'destroys something; undone only from a snapshot or backup',
  modifies: 'changes something that exists now; undone from a backup or the previous value',
  creates: 'adds something new; undone by removing it',
  'read-only': 'changes nothing',
};

export interface PlanExplanation {
  total: number;
  counts: Record<Risk, number>;
  /** The steps that change or destroy what the machine has now, in plan order. */
  touchesExisting: Step[];
  /** The counts as one sentence: "29 steps: 6 modify what exists, 21 create, 2 read-only." */
  sentence: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function explainPlan(plan: Plan): PlanExplanation {
  const counts: Record<Risk, number> = { destructive: 0, modifies: 0, creates: 0, 'read-only': 0 };
  // Each step's risk is its verb's, never the plan's own `risk` field.
  for (const s of plan.steps) counts[riskOfVerb(s.call)] += 1;
  const parts: string[] = [];
  if (counts.destructive > 0)
    parts.push(`${plural(counts.destructive, 'destroys', 'destroy')} something`);
  if (counts.modifies > 0)
    parts.push(`${plural(counts.modifies, 'modifies', 'modify')} what exists`);
  if (counts.creates > 0)
    parts.push(`${plural(counts.creates, 'creates', 'create')} something new`);
  if (counts['read-only'] > 0) parts.push(`${counts['read-only']} only read or wait`);
  const total = plan.steps.length;
  return {
    total,
    counts,
    touchesExisting: plan.steps.filter((s) => {
      const risk = riskOfVerb(s.call);
      return risk === 'destructive' || risk === 'modifies';
    }),
    sentence:
      total === 0
        ? 'No steps: the machine already matches the layout.'
        : `${plural(total, 'step', 'steps')}: ${parts.join(', ')}.`,
  };
}

/** A layout element (`systems[0]`, `vms[1]`, `host`) as the user named it in the layout. */
export function elementName(
  element: string,
  names: {
    systems?: readonly { label: string }[];
    volumes?: readonly { dataset: string }[];
    vms?: readonly { name: string }[];
  },
): string {
  if (element === 'host') return 'the main system';
  const m = /^(systems|volumes|vms)\[(\d+)\]/.exec(element);
  if (m === null) return element;
  const index = Number(m[2]);
  switch (m[1]) {
    case 'systems': {
      const s = names.systems?.[index];
      return s === undefined ? `system ${index + 1}` : `the system “${s.label}”`;
    }
    case 'volumes': {
      const x = names.volumes?.[index];
      return x === undefined ? `volume ${index + 1}` : `the volume ${x.dataset}`;
    }
    default: {
      const x = names.vms?.[index];
      return x === undefined ? `VM ${index + 1}` : `the VM ${x.name}`;
    }
  }
}
