// The executor: applies a Plan on an ExecHost step by step, journaling each step's undo before it
// runs, and rolls back in reverse order on failure or cancel. Host-agnostic: root helper, in-process.
import type { Plan, Step } from '../../shared/model/plan';
import { specOf } from '../../shared/ops/verbs';
import type { Verb } from '../../shared/ops/verbs';
import { HostError, describeArgv } from '../host/host';
import type { RunResult, StatResult } from '../host/host';
import type { ExecHost } from './exec-host';
import { ForwardingExecHost, tempNameFor } from './exec-host';
import { DEFAULT_JOURNAL_DIR, Journal } from './journal';
import type { Undo } from './journal';
import { PlanEffects, stepProblem } from './preconditions';
import { pendingChoiceProblem, pendingNextEntry, readGrubEnv } from './boot-once-check';
import type { CheckContext } from './preconditions';
import { allowListProblems, planAllowProblems } from './allow-list';
import { ensureStateDir } from './state-dirs';
import { backupPathFor, planSha256 } from '../../shared/ops/plan-identity';
import { emptyResult, finish, refused } from './apply-result';
import { markIncomplete, rollBack, tolerantRecorder, unfinishedAdvice } from './rollback';
import type { Ran } from './rollback';
import { missingCommand, missingCommandSentence, uncheckedSentence } from './missing-facility';
import type { ApplyEvent, ApplyResult } from '../../shared/ops/helper-protocol';
import { STDERR_TAIL_LINES, stderrTail } from '../../shared/ops/step-failure';
import { StepFailed, commandStopped, preconditionFailed, stepFailureOf } from './step-failed';

export interface ApplyOptions {
  host: ExecHost;
  journalDir?: string;
  dryRun?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
  /** The hash of the plan the user was shown; a different plan is refused. */
  expectedSha256?: string;
  /** Per-verb limits; the defaults allow nixos-install its many minutes. */
  timeoutsMs?: Partial<Record<Verb, number>>;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const VERB_TIMEOUTS: Partial<Record<Verb, number>> = {
  'nixos.install': 4 * 3600_000,
  'nixos.rebuild': 2 * 3600_000,
  'nixos.generateConfig': 5 * 60_000,
  'disk.waitForDevice': 6 * 60_000,
};

/**
 * Applies a plan that was parsed at the boundary it crossed (the helper's request, or the backend's
 * plan store); the hash the user approved is checked against this very plan.
 */
export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplyResult> {
  const emit = options.onEvent ?? (() => undefined);
  const sha256 = await planSha256(plan);
  if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256)
    return finish(
      refused(plan.id, [
        'The plan differs from the one you were shown (its hash does not match): review it again.',
      ]),
      emit,
    );
  const ids = new Set(plan.steps.map((s) => s.id));
  if (ids.size !== plan.steps.length)
    return finish(refused(plan.id, ['Two steps share one id.']), emit);

  const problems = await checkAll(plan, options.host, options.journalDir ?? DEFAULT_JOURNAL_DIR);
  if (problems.length > 0) return finish(refused(plan.id, problems), emit);

  emit({
    type: 'plan-started',
    planId: plan.id,
    dryRun: options.dryRun ?? false,
    steps: plan.steps.map((s) => ({
      id: s.id,
      title: s.title,
      risk: specOf(s.call, plan.id).risk(s.call.args as never),
    })),
  });
  if (options.dryRun) {
    for (const [index, step] of plan.steps.entries()) {
      emit({
        type: 'step-started',
        step: step.id,
        index,
        total: plan.steps.length,
        title: step.title,
      });
      emit({ type: 'step-finished', step: step.id, ok: true, failure: null });
    }
    return finish(
      {
        ...emptyResult(plan.id),
        status: 'dry-run',
        message: `Dry run: every precondition holds on this machine; the ${plan.steps.length} steps would run in this order. Nothing was changed.`,
      },
      emit,
    );
  }
  const journalDir = options.journalDir ?? DEFAULT_JOURNAL_DIR;
  const journal = await Journal.open(options.host, journalDir, plan.id);
  const startedAt = new Date().toISOString();
  // The marker goes first: a crash between the two leaves a marker without a journal (the next
  // helper run removes it), never an unfinished journal that the unprivileged app cannot see.
  await journal.mark({ startedAt, totalSteps: plan.steps.length, doneSteps: 0, inFlight: null });
  await journal.append({ t: 'plan', plan, sha256, at: startedAt });
  return new PlanRun({ plan, journal, startedAt, options: { ...options, journalDir }, emit }).from(
    0,
  );
}

/**
 * The host as the whole-plan check sees it: nothing changes the machine during that check, so each
 * path is lstat'ed once (every step walks its path from /) and each file read once (/proc/mounts
 * for every mount step): over SSH each is a round trip. Anything that writes is refused. The live
 * check before each step reads afresh.
 */
class ReadOnce extends ForwardingExecHost {
  private readonly known = new Map<string, Promise<unknown>>();
  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let answer = this.known.get(key) as Promise<T> | undefined;
    if (answer === undefined) {
      answer = read();
      this.known.set(key, answer);
    }
    return answer;
  }
  override stat(path: string): Promise<StatResult> {
    return this.once(`stat\0${path}`, () => this.inner.stat(path));
  }
  override readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    return this.once(`read\0${options?.maxBytes ?? ''}\0${path}`, () =>
      this.inner.readFile(path, options),
    );
  }
  private refuse(what: string): Promise<never> {
    return Promise.reject(new Error(`the precondition check tried to change ${what}`));
  }
  override writeFileAtomic(path: string): Promise<void> {
    return this.refuse(path);
  }
  override copyFile(_source: string, target: string): Promise<void> {
    return this.refuse(target);
  }
  override mkdir(path: string): Promise<void> {
    return this.refuse(path);
  }
  override rmdir(path: string): Promise<void> {
    return this.refuse(path);
  }
  override unlink(path: string): Promise<void> {
    return this.refuse(path);
  }
  override appendDurable(path: string): Promise<void> {
    return this.refuse(path);
  }
  override runStreaming(argv: readonly string[]): Promise<RunResult> {
    return this.refuse(describeArgv(argv));
  }
}

/**
 * Every step's preconditions in order, assuming the steps before it did what they say. A check that
 * cannot be made (a program this machine lacks, a file only root reads) is a problem in plain words,
 * one per missing program however many steps need it, never an exception.
 */
async function checkAll(plan: Plan, machine: ExecHost, journalDir: string): Promise<string[]> {
  const host = new ReadOnce(machine);
  const effects = new PlanEffects();
  const problems: string[] = await planAllowProblems(plan, host, journalDir);
  const missing = new Map<string, string[]>();
  for (const step of plan.steps) {
    try {
      const problem = await stepRefusal(step, { plan, host, effects, phase: 'initial' });
      if (problem) problems.push(problem);
    } catch (error) {
      const command = missingCommand(error);
      if (command !== null) missing.set(command, [...(missing.get(command) ?? []), step.id]);
      else
        problems.push(
          `Step ${step.id} (${step.title}): ${uncheckedSentence(error, machine.description)}`,
        );
    }
    effects.record(step);
  }
  for (const [command, steps] of missing)
    problems.push(missingCommandSentence(command, machine.description, steps));
  return problems;
}

/** The step's preconditions and the rules of the helper's allow-list it breaks, in one sentence. */
async function stepRefusal(step: Step, ctx: CheckContext): Promise<string | null> {
  const problem = await stepProblem(step, ctx);
  const rules = await allowListProblems(step, ctx);
  if (rules.length === 0) return problem;
  return `${problem ?? `Step ${step.id} (${step.title}):`}${problem === null ? ' ' : '; '}${rules.join('; ')}`;
}

/** What a run of one plan holds, from its first step (or a resumed one) to its result. */
interface RunContext {
  plan: Plan;
  journal: Journal;
  startedAt: string;
  options: ApplyOptions & { journalDir: string };
  emit: (e: ApplyEvent) => void;
}

/**
 * One plan's run: each step checked live, its undo journaled, run, recorded; on failure or cancel
 * the rollback. `effects` and `ran` carry what earlier steps did (a resume starts with them).
 */
export class PlanRun {
  constructor(
    private readonly ctx: RunContext,
    private readonly effects = new PlanEffects(),
    private readonly ran: Ran[] = [],
  ) {}

  /**
   * Runs the steps from `start` on. Long because it is the journal protocol told in order (check,
   * undo journaled, marker, run, done; on failure: failed, rollback, end, marker), and each
   * record's place matters for recovery.
   */
  async from(start: number): Promise<ApplyResult> {
    const { plan, journal, startedAt, options, emit } = this.ctx;
    const { effects, ran } = this;
    const { host, signal } = options;
    // The marker existed since the start; its progress is a courtesy, written once as each step
    // starts (the journal is what recovery reads). It is written before the step runs, not beside
    // it: after a crash the banner must name the step that was really in flight.
    const progress = (inFlight: string) =>
      journal
        .mark({
          startedAt,
          totalSteps: plan.steps.length,
          doneSteps: ran.filter((r) => r.done).length,
          inFlight,
        })
        .catch(() => undefined);
    for (let index = start; index < plan.steps.length; index++) {
      const step = plan.steps[index] as Step;
      let current: Ran | null = null;
      try {
        if (signal?.aborted) throw new HostError('ABORTED', step.id, 'Cancelled before this step.');
        const problem = await stepRefusal(step, { plan, host, effects, phase: 'live' });
        if (problem) throw preconditionFailed(problem);
        const undo = withCover(
          await prepareUndo(plan, step, host, options.journalDir),
          step,
          effects,
        );
        await journal.append({ t: 'undo', step: step.id, undo });
        current = { step: step.id, undo, done: false };
        ran.push(current);
        await progress(step.id);
        emit({
          type: 'step-started',
          step: step.id,
          index,
          total: plan.steps.length,
          title: step.title,
        });
        await runStep(plan, step, options, emit, undo);
        await journal.append({ t: 'done', step: step.id });
        current.done = true;
        effects.record(step);
        emit({ type: 'step-finished', step: step.id, ok: true, failure: null });
      } catch (error) {
        const failure = stepFailureOf(error, step.id, host.description);
        const cancelled = failure.kind === 'cancelled';
        const { message } = failure;
        // From here on the journal may be out of reach (a dropped connection): what cannot be
        // recorded is said in the result, and the undos written before each step stay there.
        const record = tolerantRecorder(journal);
        await record.append({ t: 'failed', step: step.id, error: message });
        if (current) emit({ type: 'step-finished', step: step.id, ok: false, failure });
        emit({
          type: 'rollback-started',
          reason: cancelled ? 'You cancelled.' : `Step ${step.id} failed: ${message}`,
        });
        const rollback = await rollBack(ran, host, record.append, emit);
        const status = rollback.notUndone.length === 0 ? 'rolled-back' : 'rollback-incomplete';
        await record.append({ t: 'end', status, at: new Date().toISOString() });
        if (status === 'rollback-incomplete')
          await markIncomplete(journal, startedAt, plan, ran.filter((r) => r.done).length, step.id);
        const head = cancelled
          ? `You cancelled during step ${step.id} (${step.title}).`
          : `Step ${step.id} (${step.title}) failed: ${message.replace(/\.?$/, '.')}`;
        const tail =
          status === 'rolled-back'
            ? ` Everything the plan had done was undone (${rollback.undone.length} steps); the machine is as before.`
            : ` ${rollback.notUndone.length} steps could not be undone; see below. ${unfinishedAdvice(journal, host, record.problems)}`;
        return finish(
          {
            ...emptyResult(plan.id),
            status,
            message: head + tail,
            cancelled,
            failedStep: step.id,
            failure,
            problems: [message],
            ...rollback,
          },
          emit,
        );
      }
    }
    await journal.append({ t: 'end', status: 'applied', at: new Date().toISOString() });
    const next = plan.nextSteps.length > 0 ? ` Next: ${plan.nextSteps.join(' ')}` : '';
    return finish(
      {
        ...emptyResult(plan.id),
        status: 'applied',
        message: `All ${plan.steps.length} steps are done.${next}`,
      },
      emit,
    );
  }
}

/**
 * An undo that a later undo of this plan also does: a directory made inside the mount of a dataset
 * this plan created (later steps, nixos-generate-config and nixos-install, fill it, so its rmdir
 * may fail on rollback), and a dataset or volume created inside such a dataset (`zfs destroy -r`
 * of the parent removes it too). When the undo itself fails, the parent's destroy still counts.
 */
function withCover(undo: Undo, step: Step, effects: PlanEffects): Undo {
  if (undo.kind !== 'argv') return undo;
  const c = step.call;
  if (c.verb === 'fs.mkdir') {
    for (const [target, source] of effects.mounts)
      if (c.args.path.startsWith(`${target}/`) && effects.datasets.has(source))
        return { ...undo, coveredBy: source };
  }
  if (c.verb === 'zfs.createVolume' || c.verb === 'zfs.createDataset') {
    // The outermost created ancestor: its destroy is the last to run.
    const parts = c.args.dataset.split('/');
    for (let i = 1; i < parts.length; i++) {
      const ancestor = parts.slice(0, i).join('/');
      if (effects.datasets.has(ancestor) && !effects.destroyed.has(ancestor))
        return { ...undo, coveredBy: ancestor };
    }
  }
  return undo;
}

/** The undo written before the step runs; a file about to be replaced is copied aside first. */
async function prepareUndo(
  plan: Plan,
  step: Step,
  host: ExecHost,
  journalDir: string,
): Promise<Undo> {
  const c = step.call;
  if (c.verb === 'file.write') {
    const path = c.args.path;
    // Random, and journaled before the write uses it: a crash's leftover is removed on rollback.
    const temp = tempNameFor(path, plan.id);
    const existing = await host.stat(path).catch((error: unknown) => {
      if (error instanceof HostError && error.code === 'ENOENT') return null;
      throw error;
    });
    // A link swapped in since the check: its mode and owner must not become the restored file's.
    if (existing !== null && existing.kind !== 'file')
      throw preconditionFailed(`${path} is no longer a regular file`);
    if (existing === null)
      return { kind: 'remove-file', path, temp, text: `Remove ${path} (it did not exist before).` };
    const backup = await backupPathFor(plan.id, path, journalDir);
    await ensureStateDir(host, `${journalDir}/backups/${plan.id}`, 0o700, journalDir);
    await host.copyFile(path, backup);
    return {
      kind: 'restore-file',
      path,
      backup,
      temp,
      mode: existing.mode,
      uid: existing.uid,
      gid: existing.gid,
      text: `Put back ${path} as it was (copy kept at ${backup}).`,
    };
  }
  const undo = specOf(c, plan.id).undo(c.args);
  if (c.verb === 'grub.bootOnce') {
    // Read once more, right before grub-editenv runs: the undo must put back what is there now.
    const { envFile, entryId } = c.args;
    const read = await readGrubEnv(host, envFile);
    if ('problem' in read) throw preconditionFailed(read.problem);
    const problem = pendingChoiceProblem(read.env, envFile, entryId);
    if (problem !== null) throw preconditionFailed(problem);
    // Chosen already (by the user or an earlier request): unset on rollback would drop a choice
    // that was there before the plan, so there is nothing to undo.
    if (pendingNextEntry(read.env) === entryId)
      return {
        kind: 'argv',
        argv: [],
        text: `Nothing to undo: ${entryId} was GRUB's one-time choice before this step, and stays so.`,
      };
  }
  if (c.verb === 'nixos.rebuild') {
    // `--rollback` after a rebuild that failed before switching would drop the user's current
    // generation: the undo runs only if the system profile really moved.
    const target = await host.readLink(SYSTEM_PROFILE).catch(() => null);
    if (target !== null)
      return {
        kind: 'argv',
        argv: undo.argv,
        text: undo.text,
        unlessLink: { path: SYSTEM_PROFILE, target },
      };
  }
  return { kind: 'argv', argv: undo.argv, text: undo.text };
}

const SYSTEM_PROFILE = '/nix/var/nix/profiles/system';

const PERCENT = /(\d{1,3}(?:\.\d+)?)\s?%/;

async function runStep(
  plan: Plan,
  step: Step,
  options: ApplyOptions,
  emit: (e: ApplyEvent) => void,
  undo: Undo,
): Promise<void> {
  const { host } = options;
  const c = step.call;
  if (c.verb === 'file.write') {
    await host.writeFileAtomic(c.args.path, new TextEncoder().encode(c.args.content), {
      mode: c.args.mode,
      tempTag: plan.id,
      ...(undo.kind === 'argv' ? {} : { temp: undo.temp }),
    });
    return;
  }
  // The helper builds argv from the verb itself; the argv in the plan's preview is only shown.
  const argv = specOf(c, plan.id).argv(c.args);
  if (argv === null) throw new Error(`${c.verb} has no command`);
  const timeoutMs = options.timeoutsMs?.[c.verb] ?? VERB_TIMEOUTS[c.verb] ?? DEFAULT_TIMEOUT_MS;
  // Kept here, not taken from the result: a command that times out or is cancelled has none.
  const stderrSoFar: string[] = [];
  const result = await host
    .runStreaming(argv, {
      timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      onLine: (line, stream) => {
        if (stream === 'stderr' && stderrSoFar.push(line) > STDERR_TAIL_LINES) stderrSoFar.shift();
        emit({ type: 'output', step: step.id, stream, line });
        const m = PERCENT.exec(line);
        const percent = m ? Number(m[1]) : NaN;
        if (percent >= 0 && percent <= 100) emit({ type: 'progress', step: step.id, percent });
      },
    })
    .catch((error: unknown) => {
      throw commandStopped(error, argv, stderrSoFar);
    });
  if (result.exitCode !== 0) {
    const tail = stderrTail(result.stderr);
    const detail = tail.slice(-3).join(' / ');
    throw new StepFailed({
      kind: 'command-failed',
      message: `${describeArgv(argv)} exited ${result.exitCode}${detail ? `: ${detail}` : ''}`,
      argv: [...argv],
      exitCode: result.exitCode,
      stderrTail: tail,
    });
  }
}
