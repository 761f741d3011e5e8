// The plans this backend made (or opened from a file after the same checks), kept by id with the
// hash of what runs and the machine they were made for. A run names a plan by id and hash: the
// renderer never sends a plan back, so "the plan you were shown" is the plan that runs.
import * as v from 'valibot';
import type { Inventory } from '../../shared/model/inventory';
import { PlanSchema } from '../../shared/model/plan';
import type { Plan } from '../../shared/model/plan';
import { filePreviewProblems } from '../../shared/ops/file-preview';
import { planConsistencyProblems } from '../../shared/ops/plan-consistency';
import { planSha256 } from '../../shared/ops/plan-identity';
import { BackendError } from './backend-error';

export type PlanOrigin = { kind: 'made' } | { kind: 'file'; name: string };

export interface StoredPlan {
  readonly plan: Plan;
  readonly sha256: string;
  readonly origin: PlanOrigin;
  /** The machine it was made for, as the backend names it (`demo|the demo machine`). */
  readonly machine: string;
  /** The inventory it was made against (null for a file: the plan does not carry one). */
  readonly inventory: Inventory | null;
}

/** Plans made long ago are forgotten first; each can hold whole files, so they are not kept forever. */
const DEFAULT_LIMIT = 32;

/** The machine's name in a message: the key without the backend's `kind|` prefix. */
const machineName = (key: string) => key.replace(/^[a-z]+\|/, '');

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/**
 * The checks a plan file passes before anyone is asked to approve it: JSON, the plan schema (every
 * verb's arguments), and a plan that reads as what it does (planConsistencyProblems).
 */
export function parsePlanText(text: string, name: string): Plan {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BackendError('plan.invalid', `${name} is not JSON, so it is not a Cohabit plan.`);
  }
  const parsed = v.safeParse(PlanSchema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new BackendError(
      'plan.invalid',
      `${name} is not a Cohabit plan: ${v.getDotPath(issue) ?? 'plan'}: ${issue.message}`,
    );
  }
  return parsed.output;
}

export class PlanStore {
  private readonly plans = new Map<string, StoredPlan>();

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  /** Keeps a plan, frozen, under its id; a plan that does not read as what it does is refused. */
  async keep(
    plan: Plan,
    context: { origin: PlanOrigin; machine: string; inventory: Inventory | null },
  ): Promise<StoredPlan> {
    const problems = [...planConsistencyProblems(plan), ...(await filePreviewProblems(plan))];
    if (problems.length > 0)
      throw new BackendError(
        'plan.inconsistent',
        `${context.origin.kind === 'file' ? context.origin.name : `Plan ${plan.id}`} does not do what it shows, so it is refused: ${problems.slice(0, 5).join('; ')}.`,
      );
    const frozen = deepFreeze(plan);
    const stored: StoredPlan = Object.freeze({
      plan: frozen,
      sha256: await planSha256(frozen),
      ...context,
    });
    this.plans.delete(plan.id);
    this.plans.set(plan.id, stored);
    for (const oldest of this.plans.keys()) {
      if (this.plans.size <= this.limit) break;
      this.plans.delete(oldest);
    }
    return stored;
  }

  /**
   * Checks a plan file and keeps it. Its pool must be one the machine has: a plan written for
   * another machine is refused here, before its steps are shown as if they were this one's.
   */
  async open(
    text: string,
    name: string,
    context: { machine: string; inventory: Inventory | null },
  ): Promise<StoredPlan> {
    const plan = parsePlanText(text, name);
    const pools = context.inventory?.zfs.pools.map((p) => p.name) ?? null;
    if (pools !== null && plan.steps.length > 0 && !pools.includes(plan.pool))
      throw new BackendError(
        'plan.other-machine',
        `${name} is a plan for the pool ${plan.pool}, which ${machineName(context.machine)} does not have${pools.length > 0 ? ` (it has ${pools.join(', ')})` : ''}.`,
      );
    return this.keep(plan, { origin: { kind: 'file', name }, ...context });
  }

  /** The plan a run names, or a refusal that says why it cannot run. */
  take(planId: string, sha256: string, machine: string): StoredPlan {
    const stored = this.plans.get(planId);
    if (stored === undefined)
      throw new BackendError(
        'plan.unknown',
        `Cohabit did not make plan ${planId} in this session (or made it too long ago): make the plan again, or open its file, and review it before applying.`,
      );
    if (stored.sha256 !== sha256)
      throw new BackendError(
        'plan.hash-mismatch',
        `Plan ${planId} is not the plan you were shown: its hash differs. Review it again before applying.`,
      );
    if (stored.machine !== machine)
      throw new BackendError(
        'plan.other-machine',
        `Plan ${planId} was made for ${machineName(stored.machine)}, not for the machine shown now (${machineName(machine)}): make the plan again here.`,
      );
    return stored;
  }
}
