// The backend's side of "boot the new system once" (issue 16): the one-step plan made from a kept
// plan's offer, kept in turn (so it passes the same consistency check and has its own id and hash)
// before it runs where the apply ran.
import { randomBytes } from 'node:crypto';
import { BootOnceError, bootOncePlan } from '../../shared/planner/boot-once';
import { BackendError } from './backend-error';
import type { PlanStore, StoredPlan } from './plan-store';

export async function keepBootOncePlan(
  plans: PlanStore,
  source: StoredPlan,
  entryId: string,
): Promise<StoredPlan> {
  try {
    const once = bootOncePlan(source.plan, entryId, {
      id: randomBytes(8).toString('hex'),
      now: new Date().toISOString(),
    });
    return await plans.keep(once, {
      origin: { kind: 'made' },
      machine: source.machine,
      inventory: source.inventory,
    });
  } catch (error) {
    if (error instanceof BootOnceError) throw new BackendError('boot-once.refused', error.message);
    throw error;
  }
}
