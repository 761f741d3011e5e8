// The plan the user was shown and the apply run that follows it, kept outside the views so that a
// run goes on (and its log keeps filling) while the user looks at another view.
import type {
  ApplyOutcome,
  ApplyProgress,
  CohabitApi,
  KeptPlan,
  PlanOrigin,
  UnfinishedPlan,
} from '../../../shared/api/contract';
import type { Layout } from '../../../shared/model/layout';
import type { Plan } from '../../../shared/model/plan';
import { confirmPlan } from '../../../shared/ops/verb-confirmation';
import type { StepConfirmation } from '../../../shared/ops/verb-confirmation';
import type { ApiCallError } from '../api/api-error';
import { toApiCallError } from '../api/api-error';
import type { RunKind, RunState } from './apply-progress';
import { finishRun, reduceRun, startRun } from './apply-progress';

type Pending = { events: ApplyProgress[]; outcome: ApplyOutcome | null };

class ApplySession {
  /**
   * The plan on screen, the layout (as JSON) it was made from (null for a plan opened from a
   * file) and the machine it was made on. Runs name it by id and `planSha256`.
   */
  plan = $state.raw<Plan | null>(null);
  planSha256 = $state.raw<string | null>(null);
  planOrigin = $state.raw<PlanOrigin | null>(null);
  planLayout = $state.raw<string | null>(null);
  planFrom = $state.raw<Layout | null>(null);
  planMachine = $state.raw<string | null>(null);
  /**
   * What each step of the plan runs, made from its verb (never its title or risk field): what the
   * Plan and Apply views show. Null until the file hashes are taken (Web Crypto is async).
   */
  planConfirmation = $state.raw<StepConfirmation[] | null>(null);
  run = $state.raw<RunState | null>(null);
  starting = $state(false);
  startError = $state.raw<ApiCallError | null>(null);
  unfinished = $state.raw<UnfinishedPlan[]>([]);
  /** The boot-once run on screen, if the run shown is one: its entry, label and kind. */
  bootOnceRun = $state.raw<{ entryId: string; label: string; dryRun: boolean } | null>(null);

  /** Events of runs this page has not claimed yet: an event can beat the answer that names its run. */
  private readonly early = new Map<string, Pending>();

  setPlan(kept: KeptPlan, layout: Layout | null, machine: string): void {
    this.plan = kept.plan;
    this.planSha256 = kept.sha256;
    this.planOrigin = kept.origin;
    this.planLayout = layout === null ? null : JSON.stringify(layout);
    this.planFrom = layout;
    this.planMachine = machine;
    this.planConfirmation = null;
    const plan = kept.plan;
    void confirmPlan(plan).then((steps) => {
      if (this.plan === plan) this.planConfirmation = steps;
    });
  }

  /** Routes the backend's apply events into the run they belong to; call once per page. */
  follow(api: CohabitApi, signal: AbortSignal): void {
    api.on('apply:event', ({ applyId, event }) => this.receive(applyId, event, null), signal);
    api.on('apply:done', ({ applyId, outcome }) => this.receive(applyId, null, outcome), signal);
  }

  private receive(
    applyId: string,
    event: ApplyProgress | null,
    outcome: ApplyOutcome | null,
  ): void {
    const run = this.run;
    if (run !== null && run.applyId === applyId) {
      this.run =
        event !== null ? reduceRun(run, event) : outcome !== null ? finishRun(run, outcome) : run;
      return;
    }
    const pending = this.early.get(applyId) ?? { events: [], outcome: null };
    if (event !== null) pending.events.push(event);
    if (outcome !== null) pending.outcome = outcome;
    this.early.set(applyId, pending);
    // Only the latest few unknown runs are kept: another window's runs are not ours to show.
    if (this.early.size > 4) this.early.delete(this.early.keys().next().value ?? '');
  }

  private claim(applyId: string, kind: RunKind, plan: Plan | null): void {
    let run = startRun(applyId, kind, plan);
    const pending = this.early.get(applyId);
    this.early.delete(applyId);
    for (const e of pending?.events ?? []) run = reduceRun(run, e);
    if (pending?.outcome) run = finishRun(run, pending.outcome);
    this.run = run;
  }

  get running(): boolean {
    return this.starting || (this.run !== null && this.run.outcome === null);
  }

  async start(api: CohabitApi, dryRun: boolean): Promise<void> {
    const plan = this.plan;
    const sha256 = this.planSha256;
    if (plan === null || sha256 === null || this.running) return;
    this.bootOnceRun = null;
    await this.launch(dryRun ? 'dry-run' : 'apply', plan, () =>
      api.call('apply:start', { planId: plan.id, sha256, dryRun }),
    );
  }

  /**
   * Boots one of the applied plan's new entries once (issue 16): a run of its own, whose result
   * screen names the entry (`bootOnceRun` while its run is shown).
   */
  async bootOnce(api: CohabitApi, entryId: string, dryRun: boolean): Promise<void> {
    const plan = this.plan;
    const sha256 = this.planSha256;
    if (plan === null || sha256 === null || this.running) return;
    const label = plan.bootOnce?.entries.find((e) => e.entryId === entryId)?.label ?? entryId;
    await this.launch(dryRun ? 'dry-run' : 'apply', null, () =>
      api.call('apply:bootOnce', { planId: plan.id, sha256, entryId, dryRun }),
    );
    if (this.startError === null) this.bootOnceRun = { entryId, label, dryRun };
  }

  async recover(api: CohabitApi, planId: string, mode: 'rollback' | 'resume'): Promise<void> {
    if (this.running) return;
    this.bootOnceRun = null;
    await this.launch('recover', null, () => api.call('apply:recover', { planId, mode }));
    if (this.run !== null) this.unfinished = this.unfinished.filter((u) => u.planId !== planId);
  }

  private async launch(
    kind: RunKind,
    plan: Plan | null,
    call: () => Promise<{ applyId: string }>,
  ): Promise<void> {
    this.starting = true;
    this.startError = null;
    try {
      const { applyId } = await call();
      this.claim(applyId, kind, plan);
    } catch (error) {
      this.startError = toApiCallError(error);
    } finally {
      this.starting = false;
    }
  }

  async cancel(api: CohabitApi): Promise<void> {
    const run = this.run;
    if (run === null || run.outcome !== null) return;
    this.run = { ...run, cancelRequested: true };
    try {
      await api.call('apply:cancel', { applyId: run.applyId });
    } catch (error) {
      this.startError = toApiCallError(error);
    }
  }

  /** Leaves the result screen: the next visit starts from the explanation again. */
  dismissRun(): void {
    if (this.run?.outcome !== null) this.run = null;
  }

  async checkUnfinished(api: CohabitApi): Promise<void> {
    try {
      this.unfinished = (await api.call('apply:unfinished', {})).plans;
    } catch {
      // The offer is a convenience; `cohabit recover` still lists what is unfinished.
      this.unfinished = [];
    }
  }
}

export const applySession = new ApplySession();
