// `recover`: finishes a plan a crash, a kill or a lost connection interrupted, from its journal:
// rolls back what ran, or undoes the interrupted step and resumes the plan from it.
import type { Step } from '../../shared/model/plan';
import type { ApplyEvent, ApplyResult } from '../../shared/ops/helper-protocol';
import type { Verb } from '../../shared/ops/verbs';
import { emptyResult, finish, refused } from './apply-result';
import type { ExecHost } from './exec-host';
import { PlanRun } from './executor';
import {
  DEFAULT_JOURNAL_DIR,
  Journal,
  NoJournal,
  readPlanJournal,
  rollbackIncomplete,
} from './journal';
import { PlanEffects } from './preconditions';
import { markIncomplete, rollBack, tolerantRecorder, unfinishedAdvice } from './rollback';
import type { Ran } from './rollback';
import { removeMarker } from './unfinished-markers';
import { stateDirProblem } from './state-dirs';

export interface RecoverOptions {
  host: ExecHost;
  journalDir?: string;
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
  timeoutsMs?: Partial<Record<Verb, number>>;
}

/** Finishes a plan a crash interrupted: roll back what its journal says ran, or resume it. */
// Long because it is the journal read back in order (what ran, what was undone, then rollback or
// resume), and each record's place matters.
export async function recover(
  planId: string,
  mode: 'rollback' | 'resume',
  options: RecoverOptions,
): Promise<ApplyResult> {
  const emit = options.onEvent ?? (() => undefined);
  const journalDir = options.journalDir ?? DEFAULT_JOURNAL_DIR;
  if (!/^[0-9a-f]{16}$/.test(planId))
    return finish(refused(null, [`${planId} is not a plan id`]), emit);
  // A journal's undo records are argv run as root: one that someone else could have written is
  // never read.
  const unsafe = await stateDirProblem(options.host, `${journalDir}/journal`, journalDir);
  if (unsafe !== null) return finish(refused(planId, [unsafe]), emit);
  let state: Awaited<ReturnType<typeof readPlanJournal>>;
  try {
    state = await readPlanJournal(options.host, journalDir, planId);
  } catch (error) {
    if (!(error instanceof NoJournal)) throw error;
    // A marker left alone by a crash before the journal's first record: nothing else to do.
    await removeMarker(options.host, journalDir, planId);
    return finish(
      {
        ...emptyResult(planId),
        problems: [error.message],
        message: `${error.message}: that plan never started on this machine (or its journal was removed), so there is nothing to roll back or resume. Nothing was changed.`,
      },
      emit,
    );
  }
  const journal = new Journal(options.host, journalDir, planId);
  const incomplete = rollbackIncomplete(state);
  if (state.ended !== null && !incomplete) {
    await removeMarker(options.host, journalDir, planId);
    return finish(
      {
        ...emptyResult(planId),
        status: 'nothing-to-do',
        message: `Plan ${planId} had already finished.`,
      },
      emit,
    );
  }
  const pending: Ran[] = state.steps
    .filter((s) => !s.undone)
    .map((s) => ({ step: s.step, undo: s.undo, done: s.done }));
  if (mode === 'resume' && incomplete)
    return finish(
      refused(planId, [
        `Plan ${planId} failed and its rollback could not finish, so it cannot resume: finish the rollback (--rollback) instead.`,
      ]),
      emit,
    );
  const record = tolerantRecorder(journal);
  if (mode === 'rollback') {
    emit({ type: 'rollback-started', reason: `Finishing the rollback of plan ${planId}.` });
    const rollback = await rollBack(pending, options.host, record.append, emit);
    const status = rollback.notUndone.length === 0 ? 'rolled-back' : 'rollback-incomplete';
    await record.append({ t: 'end', status, at: new Date().toISOString() });
    if (status === 'rollback-incomplete')
      await markIncomplete(
        journal,
        state.startedAt,
        state.plan,
        state.steps.filter((st) => st.done).length,
        state.steps.at(-1)?.step ?? null,
      );
    return finish(
      {
        ...emptyResult(planId),
        status,
        message:
          status === 'rolled-back'
            ? `Plan ${planId} is rolled back: ${rollback.undone.length} steps undone.`
            : `Plan ${planId}: ${rollback.notUndone.length} steps could not be undone. ${unfinishedAdvice(journal, options.host, record.problems)}`,
        ...rollback,
      },
      emit,
    );
  }
  // Resume: the step that was running is undone first (it may be half done), then runs again.
  const inFlight = pending.filter((p) => !p.done);
  const partial = await rollBack(inFlight, options.host, record.append, emit);
  if (partial.notUndone.length > 0)
    return finish(
      {
        ...emptyResult(planId),
        status: 'rollback-incomplete',
        message: 'The interrupted step could not be undone, so the plan cannot resume.',
        ...partial,
      },
      emit,
    );
  const effects = new PlanEffects();
  const done = new Set(state.steps.filter((s) => s.done && !s.undone).map((s) => s.step));
  let start = 0;
  while (start < state.plan.steps.length && done.has((state.plan.steps[start] as Step).id)) {
    effects.record(state.plan.steps[start] as Step);
    start++;
  }
  const ran = pending.filter((p) => p.done);
  return new PlanRun(
    {
      plan: state.plan,
      journal,
      startedAt: state.startedAt,
      options: { ...options, journalDir },
      emit,
    },
    effects,
    ran,
  ).from(start);
}
