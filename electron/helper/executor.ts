// The executor: applies a Plan on an ExecHost step by step, journaling each step's undo before it
// runs, and rolls back in reverse order on failure or cancel. Host-agnostic: root helper, in-process.
import type { Plan, Step } from '../../shared/model/plan';
import { errorMessage } from '../../shared/model/errors';
import { specOf } from '../../shared/ops/verbs';
import type { Verb } from '../../shared/ops/verbs';
import { HostError, describeArgv, isUnreachable } from '../host/host';
import type { RunResult, StatResult } from '../host/host';
import type { ExecHost } from './exec-host';
import { ForwardingExecHost, tempNameFor } from './exec-host';
import {
  DEFAULT_JOURNAL_DIR,
  Journal,
  NoJournal,
  readPlanJournal,
  rollbackIncomplete,
} from './journal';
import type { JournalRecord, Undo } from './journal';
import { PlanEffects, stepProblem } from './preconditions';
import { backupPathFor, planSha256 } from '../../shared/ops/plan-identity';
import { removeMarker } from './unfinished-markers';
import { missingCommand, missingCommandSentence, uncheckedSentence } from './missing-facility';
import type { ApplyEvent, ApplyResult } from '../../shared/ops/helper-protocol';

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
const UNDO_TIMEOUT_MS = 30 * 60_000;

const emptyResult = (planId: string | null): ApplyResult => ({
  status: 'refused',
  planId,
  message: '',
  cancelled: false,
  failedStep: null,
  problems: [],
  undone: [],
  notUndone: [],
});

function refused(planId: string | null, problems: string[]): ApplyResult {
  return {
    ...emptyResult(planId),
    problems,
    message: `The plan was refused before anything ran; nothing was changed.\n${problems.map((p) => `- ${p}`).join('\n')}`,
  };
}

class StepFailure extends Error {}

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

  const problems = await checkAll(plan, options.host);
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
      emit({ type: 'step-finished', step: step.id, ok: true, error: null });
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
  return runFrom(
    plan,
    0,
    new PlanEffects(),
    [],
    journal,
    startedAt,
    { ...options, journalDir },
    emit,
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
async function checkAll(plan: Plan, machine: ExecHost): Promise<string[]> {
  const host = new ReadOnce(machine);
  const effects = new PlanEffects();
  const problems: string[] = [];
  const missing = new Map<string, string[]>();
  for (const step of plan.steps) {
    try {
      const problem = await stepProblem(step, { plan, host, effects, phase: 'initial' });
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

interface Ran {
  step: string;
  undo: Undo;
  done: boolean;
}

async function runFrom(
  plan: Plan,
  start: number,
  effects: PlanEffects,
  ran: Ran[],
  journal: Journal,
  startedAt: string,
  options: ApplyOptions & { journalDir: string },
  emit: (e: ApplyEvent) => void,
): Promise<ApplyResult> {
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
      const problem = await stepProblem(step, { plan, host, effects, phase: 'live' });
      if (problem) throw new StepFailure(problem);
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
      await runStep(plan, step, options, emit);
      await journal.append({ t: 'done', step: step.id });
      current.done = true;
      effects.record(step);
      emit({ type: 'step-finished', step: step.id, ok: true, error: null });
    } catch (error) {
      const cancelled = error instanceof HostError && error.code === 'ABORTED';
      const command = missingCommand(error);
      const message = cancelled
        ? 'Cancelled.'
        : command !== null
          ? missingCommandSentence(command, host.description, [step.id])
          : errorMessage(error);
      // From here on the journal may be out of reach (a dropped connection): what cannot be
      // recorded is said in the result, and the undos written before each step stay there.
      const record = tolerantRecorder(journal);
      await record.append({ t: 'failed', step: step.id, error: message });
      if (current) emit({ type: 'step-finished', step: step.id, ok: false, error: message });
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
    const temp = tempNameFor(path, plan.id);
    const existing = await host.stat(path).catch((error: unknown) => {
      if (error instanceof HostError && error.code === 'ENOENT') return null;
      throw error;
    });
    if (existing === null)
      return { kind: 'remove-file', path, temp, text: `Remove ${path} (it did not exist before).` };
    const backup = await backupPathFor(plan.id, path, journalDir);
    await host.mkdir(`${journalDir}/backups/${plan.id}`, 0o700, { recursive: true });
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
): Promise<void> {
  const { host } = options;
  const c = step.call;
  if (c.verb === 'file.write') {
    await host.writeFileAtomic(c.args.path, new TextEncoder().encode(c.args.content), {
      mode: c.args.mode,
      tempTag: plan.id,
    });
    return;
  }
  // The helper builds argv from the verb itself; the argv in the plan's preview is only shown.
  const argv = specOf(c, plan.id).argv(c.args);
  if (argv === null) throw new StepFailure(`${c.verb} has no command`);
  const timeoutMs = options.timeoutsMs?.[c.verb] ?? VERB_TIMEOUTS[c.verb] ?? DEFAULT_TIMEOUT_MS;
  const result = await host.runStreaming(argv, {
    timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    onLine: (line, stream) => {
      emit({ type: 'output', step: step.id, stream, line });
      const m = PERCENT.exec(line);
      const percent = m ? Number(m[1]) : NaN;
      if (percent >= 0 && percent <= 100) emit({ type: 'progress', step: step.id, percent });
    },
  });
  if (result.exitCode !== 0) {
    const detail = result.stderr.trim().split('\n').slice(-3).join(' / ');
    throw new StepFailure(
      `${describeArgv(argv)} exited ${result.exitCode}${detail ? `: ${detail}` : ''}`,
    );
  }
}

/**
 * `zfs destroy` of a volume races udev: after the partition table or a file system on it is wiped
 * (the undos just before), udev's probes (blkid) hold the zvol open for a moment and the destroy
 * says "dataset is busy". Found in the lab once rollbacks got fast. The destroy is tried again
 * after udev has settled; a dataset something really holds (a shell in its mount) stays busy and
 * is reported after the last attempt.
 */
const BUSY_ATTEMPTS = 3;
const BUSY_PAUSE_MS = 1_000;

function busyDestroy(argv: readonly string[], stderr: string): boolean {
  return argv[0] === 'zfs' && argv[1] === 'destroy' && /dataset is busy/.test(stderr);
}

async function udevSettled(host: ExecHost): Promise<void> {
  await host
    .runStreaming(['udevadm', 'settle', '--timeout=10'], { timeoutMs: 15_000 })
    .catch(() => undefined);
  await new Promise((r) => setTimeout(r, BUSY_PAUSE_MS));
}

async function undoOne(entry: Ran, host: ExecHost): Promise<void> {
  const u = entry.undo;
  switch (u.kind) {
    case 'argv':
      if (
        u.unlessLink &&
        (await host.readLink(u.unlessLink.path).catch(() => null)) === u.unlessLink.target
      )
        return;
      for (const argv of u.argv) {
        for (let attempt = 1; ; attempt++) {
          const r = await host.runStreaming(argv, { timeoutMs: UNDO_TIMEOUT_MS });
          if (r.exitCode === 0) break;
          if (attempt < BUSY_ATTEMPTS && busyDestroy(argv, r.stderr)) {
            await udevSettled(host);
            continue;
          }
          throw new Error(
            `${describeArgv(argv)} exited ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`,
          );
        }
      }
      return;
    case 'remove-file':
      await host.unlink(u.temp);
      await host.unlink(u.path);
      return;
    case 'restore-file': {
      await host.unlink(u.temp);
      const bytes = await host.readFile(u.backup, { maxBytes: 64 * 1024 * 1024 });
      await host.writeFileAtomic(u.path, bytes, { mode: u.mode, uid: u.uid, gid: u.gid });
      return;
    }
  }
}

/** Appends to the journal without throwing; what could not be written is kept in `problems`. */
function tolerantRecorder(journal: Journal): {
  append: (record: JournalRecord) => Promise<void>;
  problems: string[];
} {
  const problems: string[] = [];
  return {
    problems,
    append: async (record) => {
      try {
        await journal.append(record);
      } catch (error) {
        problems.push(errorMessage(error));
      }
    },
  };
}

/** Keeps the plan's marker, saying its rollback could not finish (best effort, like progress). */
async function markIncomplete(
  journal: Journal,
  startedAt: string,
  plan: Plan,
  doneSteps: number,
  inFlight: string | null,
): Promise<void> {
  await journal
    .mark({
      startedAt,
      totalSteps: plan.steps.length,
      doneSteps,
      inFlight,
      rollbackIncomplete: true,
    })
    .catch(() => undefined);
}

/** What the user does about a rollback that could not finish. */
function unfinishedAdvice(journal: Journal, host: ExecHost, journalProblems: string[]): string {
  const where = `the journal ${journal.path} on ${host.description}`;
  const recover = `\`cohabit recover --rollback ${journal.planId}\` finishes the rollback once the cause is fixed`;
  return journalProblems.length === 0
    ? `They stay in ${where}: ${recover}.`
    : `${where} could not be written either (${journalProblems[0]}); it still holds each step's undo, written before the step ran: when the machine can be reached, ${recover}.`;
}

/**
 * Undoes in reverse order; one undo failing does not stop the others, except that once the machine
 * cannot be reached the rest are not tried (each would wait for the same dead connection).
 */
async function rollBack(
  ran: Ran[],
  host: ExecHost,
  record: (r: JournalRecord) => Promise<void>,
  emit: (e: ApplyEvent) => void,
): Promise<Pick<ApplyResult, 'undone' | 'notUndone'>> {
  const undone: ApplyResult['undone'] = [];
  const notUndone: ApplyResult['notUndone'] = [];
  /** Undos that failed but that a later destroy of this dataset may still cover. */
  const waiting = new Map<string, { step: string; text: string; error: string }[]>();
  const destroyedDataset = (entry: Ran): string | null => {
    const argv = entry.undo.kind === 'argv' ? entry.undo.argv[0] : undefined;
    return argv?.[0] === 'zfs' && argv[1] === 'destroy' && argv[2] === '-r'
      ? (argv[3] ?? null)
      : null;
  };
  let unreachable: string | null = null;
  for (const entry of [...ran].reverse()) {
    const text = entry.undo.text;
    if (unreachable !== null) {
      const message = `not tried: ${unreachable}`;
      notUndone.push({ step: entry.step, text, error: message });
      emit({ type: 'step-undone', step: entry.step, ok: false, message });
      continue;
    }
    try {
      await undoOne(entry, host);
      undone.push({ step: entry.step, text });
      await record({ t: 'undone', step: entry.step, ok: true, message: text });
      emit({ type: 'step-undone', step: entry.step, ok: true, message: text });
      const dataset = destroyedDataset(entry);
      for (const [covered, list] of waiting) {
        if (dataset === null || (covered !== dataset && !covered.startsWith(`${dataset}/`)))
          continue;
        for (const w of list) {
          const message = `${w.text} (removed with ${covered}, which this rollback destroyed)`;
          undone.push({ step: w.step, text: message });
          await record({ t: 'undone', step: w.step, ok: true, message });
          emit({ type: 'step-undone', step: w.step, ok: true, message });
        }
        waiting.delete(covered);
      }
    } catch (error) {
      if (isUnreachable(error)) {
        // Whether a step that had not finished did anything is unknown: it stays to be undone.
        unreachable = `${host.description} could not be reached (${errorMessage(error)})`;
        notUndone.push({ step: entry.step, text, error: errorMessage(error) });
        emit({ type: 'step-undone', step: entry.step, ok: false, message: errorMessage(error) });
        continue;
      }
      const cover = entry.undo.kind === 'argv' ? entry.undo.coveredBy : undefined;
      if (cover !== undefined && entry.done) {
        waiting.set(cover, [
          ...(waiting.get(cover) ?? []),
          { step: entry.step, text, error: errorMessage(error) },
        ]);
        continue;
      }
      // A step that was stopped part-way may not have done anything its undo could remove.
      const message = entry.done
        ? errorMessage(error)
        : `nothing to undo, or already undone (the step had not finished): ${errorMessage(error)}`;
      if (entry.done) notUndone.push({ step: entry.step, text, error: message });
      else undone.push({ step: entry.step, text: `${text} (${message})` });
      await record({ t: 'undone', step: entry.step, ok: !entry.done, message });
      emit({ type: 'step-undone', step: entry.step, ok: !entry.done, message });
    }
  }
  for (const list of waiting.values()) {
    for (const w of list) {
      notUndone.push(w);
      await record({ t: 'undone', step: w.step, ok: false, message: w.error });
      emit({ type: 'step-undone', step: w.step, ok: false, message: w.error });
    }
  }
  return { undone, notUndone };
}

function finish(result: ApplyResult, emit: (e: ApplyEvent) => void): ApplyResult {
  emit({ type: 'plan-finished', result });
  return result;
}

export interface RecoverOptions {
  host: ExecHost;
  journalDir?: string;
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
  timeoutsMs?: Partial<Record<Verb, number>>;
}

/** Finishes a plan a crash interrupted: roll back what its journal says ran, or resume it. */
export async function recover(
  planId: string,
  mode: 'rollback' | 'resume',
  options: RecoverOptions,
): Promise<ApplyResult> {
  const emit = options.onEvent ?? (() => undefined);
  const journalDir = options.journalDir ?? DEFAULT_JOURNAL_DIR;
  if (!/^[0-9a-f]{16}$/.test(planId))
    return finish(refused(null, [`${planId} is not a plan id`]), emit);
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
  return runFrom(
    state.plan,
    start,
    effects,
    ran,
    journal,
    state.startedAt,
    { ...options, journalDir },
    emit,
  );
}
