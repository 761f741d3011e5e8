// "Boot the new system once" (issue 16): the offer a plan carries, made from the inventory, and
// the one-step plan that takes it up after the apply. That plan has its own id and hash and goes
// through the helper like any other, so the admin approves exactly the grub-editenv it runs.
import { bootOnceChoice, PICK_IN_MENU } from '../analysis/boot-once';
import type { BootOnceFacts } from '../analysis/boot-once';
import type { Plan } from '../model/plan';
import { PLAN_FORMAT } from '../model/plan';
import type { BootOnceOffer } from '../ops/boot-once-args';
import { StepList } from './step-list';

export class BootOnceError extends Error {
  override readonly name = 'BootOnceError';
}

export interface BootOnceEntry {
  entryId: string;
  label: string;
}

/** What a plan that adds `entries` to the main GRUB menu says about booting one of them once. */
export function bootOnceOffer(facts: BootOnceFacts, entries: BootOnceEntry[]): BootOnceOffer {
  const choice = bootOnceChoice(facts);
  return choice.possible
    ? { possible: true, envFile: choice.envFile, entries }
    : { possible: false, reason: choice.reason, entries };
}

/** The words for a plan whose offer is refused: why, and what to do at the menu instead. */
export function bootOnceRefusalText(offer: Extract<BootOnceOffer, { possible: false }>): string {
  return `Cohabit cannot make GRUB boot the new system just once: ${offer.reason} ${PICK_IN_MENU}`;
}

/** What to do once the choice is made: the boot-once plan's next step, and the result screen's. */
export function bootOnceNextStep(label: string): string {
  return `Reboot: GRUB starts "${label}" this once; the reboot after that starts the main system again.`;
}

/**
 * The plan that sets GRUB's next_entry to one of `source`'s own new entries. Refused (thrown) when
 * the source plan offers no boot-once, or when the entry is not one it added.
 */
export function bootOncePlan(
  source: Plan,
  entryId: string,
  context: { id: string; now: string },
): Plan {
  const offer = source.bootOnce;
  if (offer === undefined)
    throw new BootOnceError(`Plan ${source.id} adds no GRUB entry that could be booted once.`);
  if (!offer.possible) throw new BootOnceError(bootOnceRefusalText(offer));
  const entry = offer.entries.find((e) => e.entryId === entryId);
  if (entry === undefined)
    throw new BootOnceError(
      `${JSON.stringify(entryId)} is not an entry plan ${source.id} added (${offer.entries.map((e) => e.entryId).join(', ')}).`,
    );
  const list = new StepList(context.id);
  list.add(
    'grub.bootOnce',
    { envFile: offer.envFile, entryId: entry.entryId },
    `Boot "${entry.label}" once at the next restart`,
    {
      element: 'host',
      text: `GRUB starts ${entry.entryId} at the next boot and clears the choice as it does (NixOS's grub.cfg runs save_env next_entry), so the boot after that is the main system again: a new system that does not come up costs one reboot.`,
    },
  );
  return {
    format: PLAN_FORMAT,
    id: context.id,
    createdAt: context.now,
    pool: source.pool,
    layoutSha256: source.layoutSha256,
    steps: list.steps,
    diagnostics: [],
    nextSteps: [bootOnceNextStep(entry.label)],
    // The helper checks the entry against the offer it came from, and the machine's grub.cfg.
    bootOnce: { possible: true, envFile: offer.envFile, entries: [entry] },
  };
}
