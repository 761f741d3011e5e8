// `cohabit apply --boot-once`: after the plan is applied, have the main GRUB start the new system
// at the next boot only, so a new system that does not come up costs one reboot (issue 16). It is
// a second, one-step plan (grub-editenv ... set next_entry=<its entry>) that runs where the apply
// ran; where GRUB cannot keep a one-time choice, this says why and what to pick in the menu.
import { randomBytes } from 'node:crypto';
import type { Plan } from '../../shared/model/plan';
import type { Request } from '../../shared/ops/helper-protocol';
import { planSha256 } from '../../shared/ops/plan-identity';
import { BootOnceError, bootOncePlan, bootOnceRefusalText } from '../../shared/planner/boot-once';
import type { HelperOutcome } from '../helper/elevate';

export interface BootOnceIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Asks yes/no on the terminal; undefined when nobody can be asked. */
  confirm?: (question: string) => Promise<boolean>;
}

export interface BootOnceRun {
  /** `--boot-once` (true) or `--boot-once <entry>`; undefined when not given. */
  bootOnce?: string | true;
  yes?: boolean;
  dryRun?: boolean;
}

/** The entry `--boot-once` names: its value, else the plan's only new entry. */
function chosenEntry(plan: Plan, wanted: string | true | undefined): string | undefined {
  if (typeof wanted === 'string') return wanted;
  const entries = plan.bootOnce?.entries ?? [];
  return entries.length === 1 ? entries[0]?.entryId : undefined;
}

/**
 * Why `--boot-once` cannot be honoured for this plan, said before anything runs (someone who asks
 * for the fallback should not get the apply without it); null when it can, or was not asked for.
 */
export function bootOnceRefusal(plan: Plan, wanted: string | true | undefined): string | null {
  if (wanted === undefined) return null;
  const offer = plan.bootOnce;
  if (offer === undefined || offer.entries.length === 0)
    return '--boot-once: this plan adds no GRUB entry to boot once.';
  if (!offer.possible) return `--boot-once: ${bootOnceRefusalText(offer)}`;
  const entryId = chosenEntry(plan, wanted);
  const ids = offer.entries.map((e) => e.entryId).join(', ');
  if (entryId === undefined) return `--boot-once: this plan adds several entries; name one: ${ids}`;
  if (!offer.entries.some((e) => e.entryId === entryId))
    return `--boot-once: ${JSON.stringify(entryId)} is not an entry this plan adds (${ids}).`;
  return null;
}

/** The line the confirmation adds when --boot-once will follow the apply; null when it will not. */
export function bootOnceConfirmLine(plan: Plan, wanted: string | true | undefined): string | null {
  const offer = plan.bootOnce;
  if (wanted === undefined || offer === undefined || !offer.possible) return null;
  const entryId = chosenEntry(plan, wanted);
  if (entryId === undefined) return null;
  return `  then, once it succeeds: grub-editenv ${offer.envFile} set next_entry=${entryId} (GRUB starts it at the next boot only)\n`;
}

/**
 * After a successful apply (or dry run): runs the boot-once plan when asked (--boot-once, or yes
 * to the question on a terminal), else says how to do it later or why it cannot be done. Returns
 * the exit code: 0 when nothing was asked for or it worked.
 */
export async function afterApplyBootOnce(
  plan: Plan,
  opts: BootOnceRun,
  io: BootOnceIo,
  run: (request: Request) => Promise<HelperOutcome>,
  printOutcome: (outcome: HelperOutcome) => number,
): Promise<number> {
  const offer = plan.bootOnce;
  if (offer === undefined || offer.entries.length === 0) {
    if (opts.bootOnce === undefined) return 0;
    io.stderr('cohabit: --boot-once: this plan adds no GRUB entry to boot once.\n');
    return 2;
  }
  if (!offer.possible) {
    io.stdout(`${bootOnceRefusalText(offer)}\n`);
    return opts.bootOnce === undefined ? 0 : 2;
  }
  let wanted = opts.bootOnce;
  const first = offer.entries[0];
  if (wanted === undefined) {
    const ask = opts.yes || opts.dryRun ? undefined : io.confirm;
    const question = `Boot "${first?.label ?? ''}" just once at the next restart? The restart after that comes back to the main system. [y/N] `;
    if (offer.entries.length !== 1 || ask === undefined || !(await ask(question))) {
      const ids = offer.entries.map((e) => e.entryId).join(' or ');
      io.stdout(
        `To boot the new system just once, apply with --boot-once, or later, as root: grub-editenv ${offer.envFile} set next_entry=${ids}, then reboot; the reboot after comes back to the main system.\n`,
      );
      return 0;
    }
    wanted = true;
  }
  const entryId = chosenEntry(plan, wanted);
  if (entryId === undefined) {
    io.stderr(
      `cohabit: --boot-once: this plan adds several entries; name one: ${offer.entries.map((e) => e.entryId).join(', ')}\n`,
    );
    return 2;
  }
  let once: Plan;
  try {
    once = bootOncePlan(plan, entryId, {
      id: randomBytes(8).toString('hex'),
      now: new Date().toISOString(),
    });
  } catch (error) {
    if (error instanceof BootOnceError) {
      io.stderr(`cohabit: --boot-once: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const sha256 = await planSha256(once);
  const code = printOutcome(
    await run({ type: 'apply', plan: once, sha256, dryRun: opts.dryRun ?? false }),
  );
  if (code === 0 && !opts.dryRun) for (const line of once.nextSteps) io.stdout(`${line}\n`);
  return code;
}
