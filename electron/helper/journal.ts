// The apply journal: one append-only JSON-lines file per plan under <journalDir>/journal/, fsync'd
// after every record, so that after a crash the next start knows what ran and how to undo it.
import * as v from 'valibot';
import { PlanSchema } from '../../shared/model/plan';
import type { Plan } from '../../shared/model/plan';
import { HostError, readText } from '../host/host';
import type { Host } from '../host/host';
import type { ExecHost } from './exec-host';
import { findUnfinishedMarkers, removeMarker, writeMarker } from './unfinished-markers';
import { ensureStateDir } from './state-dirs';
import type { Marker } from './unfinished-markers';

export const DEFAULT_JOURNAL_DIR = '/var/lib/cohabit';

/** How to undo one step, written before the step runs. */
export const UndoSchema = v.variant('kind', [
  v.strictObject({
    kind: v.literal('argv'),
    argv: v.array(v.array(v.string())),
    text: v.string(),
    /** Skip the argv when this link still points where it did before the step (it changed nothing). */
    unlessLink: v.optional(v.strictObject({ path: v.string(), target: v.string() })),
    /**
     * A dataset this plan created whose destroy, later in the same rollback, removes what this
     * undo would (a directory inside its mount that later steps filled): if this undo fails and
     * that destroy succeeds, the step counts as undone.
     */
    coveredBy: v.optional(v.string()),
  }),
  v.strictObject({
    kind: v.literal('restore-file'),
    path: v.string(),
    backup: v.string(),
    mode: v.number(),
    uid: v.number(),
    gid: v.number(),
    temp: v.string(),
    text: v.string(),
  }),
  v.strictObject({
    kind: v.literal('remove-file'),
    path: v.string(),
    temp: v.string(),
    text: v.string(),
  }),
]);
export type Undo = v.InferOutput<typeof UndoSchema>;

export const JournalRecordSchema = v.variant('t', [
  v.strictObject({ t: v.literal('plan'), plan: PlanSchema, sha256: v.string(), at: v.string() }),
  v.strictObject({ t: v.literal('undo'), step: v.string(), undo: UndoSchema }),
  v.strictObject({ t: v.literal('done'), step: v.string() }),
  v.strictObject({ t: v.literal('failed'), step: v.string(), error: v.string() }),
  v.strictObject({
    t: v.literal('undone'),
    step: v.string(),
    ok: v.boolean(),
    message: v.string(),
  }),
  v.strictObject({
    t: v.literal('end'),
    status: v.picklist(['applied', 'rolled-back', 'rollback-incomplete']),
    at: v.string(),
  }),
]);
export type JournalRecord = v.InferOutput<typeof JournalRecordSchema>;

export function journalPath(journalDir: string, planId: string): string {
  return `${journalDir}/journal/${planId}.jsonl`;
}

export class Journal {
  readonly path: string;
  private markerDirsMade = false;
  /** The journal file is not there yet: the first append must create it. */
  private fresh = false;

  constructor(
    private readonly host: ExecHost,
    readonly journalDir: string,
    readonly planId: string,
  ) {
    this.path = journalPath(journalDir, planId);
  }

  /** Opens a new plan's journal: its first record creates the file, which must not exist. */
  static async open(host: ExecHost, journalDir: string, planId: string): Promise<Journal> {
    // /var/lib/cohabit itself stays traversable for the world-readable markers beside the journal;
    // both are refused unless only root can change them (a planted journal would run as root).
    await ensureStateDir(host, journalDir, 0o755);
    await ensureStateDir(host, `${journalDir}/journal`, 0o700, journalDir);
    const journal = new Journal(host, journalDir, planId);
    journal.fresh = true;
    return journal;
  }

  /**
   * Appends one record durably; the final record also takes the plan's marker away, unless the
   * rollback could not finish: that plan stays listed until `recover` finishes it.
   */
  async append(record: JournalRecord): Promise<void> {
    const createNew = this.fresh;
    try {
      await this.host.appendDurable(this.path, JSON.stringify(record) + '\n', { createNew });
    } catch (error) {
      // Two runs of one plan id at once: the second finds the first's journal.
      if (
        createNew &&
        (await this.host.stat(this.path).then(
          () => true,
          () => false,
        ))
      )
        throw new Error(
          `rule helper.plan-id-reused: ${this.path} already exists: plan ${this.planId} was started on this machine before`,
        );
      throw error;
    }
    this.fresh = false;
    if (record.t === 'end' && record.status !== 'rollback-incomplete')
      await removeMarker(this.host, this.journalDir, this.planId);
  }

  /** Shows (or updates) the world-readable marker that says this plan has not ended. */
  async mark(marker: Omit<Marker, 'planId'>): Promise<void> {
    await writeMarker(
      this.host,
      this.journalDir,
      { planId: this.planId, ...marker },
      { dirsExist: this.markerDirsMade },
    );
    this.markerDirsMade = true;
  }
}

/** The journal of one plan; a plan that never ran here gets a message a user can act on. */
export async function readPlanJournal(
  host: ExecHost,
  journalDir: string,
  planId: string,
): Promise<JournalState> {
  try {
    return await readJournal(host, journalPath(journalDir, planId));
  } catch (error) {
    if (error instanceof HostError && error.code === 'ENOENT')
      throw new NoJournal(planId, journalDir);
    throw error;
  }
}

export class NoJournal extends Error {
  constructor(
    readonly planId: string,
    journalDir: string,
  ) {
    super(`No journal for plan ${planId} under ${journalDir}`);
  }
}

/**
 * Removes the markers whose plan has ended (or never wrote its journal: the marker goes first, so
 * a crash between the two leaves a marker alone). Run by the helper at every start.
 */
export async function cleanStaleMarkers(host: ExecHost, journalDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const marker of await findUnfinishedMarkers(host, journalDir)) {
    // A journal that cannot be read is not known to have ended: its marker stays.
    const state = await readPlanJournal(host, journalDir, marker.planId).catch((error: unknown) =>
      error instanceof NoJournal ? null : 'unreadable',
    );
    if (state === 'unreadable' || (state !== null && !hasEnded(state))) continue;
    await removeMarker(host, journalDir, marker.planId);
    removed.push(marker.planId);
  }
  return removed;
}

export interface JournalState {
  plan: Plan;
  sha256: string;
  startedAt: string;
  /** Steps whose undo was written, in order, with what became of them. */
  steps: { step: string; undo: Undo; done: boolean; undone: boolean }[];
  ended: JournalRecord | null;
}

/** Reads a journal; a torn last line (power loss mid-append) is ignored, anything else is an error. */
export async function readJournal(host: Host, path: string): Promise<JournalState> {
  const text = await readText(host, path, 64 * 1024 * 1024);
  const lines = text.split('\n');
  let state: JournalState | null = null;
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let record: JournalRecord;
    try {
      record = v.parse(JournalRecordSchema, JSON.parse(line));
    } catch {
      // Only the last line can be torn by a crash; damage anywhere else is not ours to guess at.
      if (i >= lines.length - 2) break;
      throw new HostError('EINVAL', path, `${path}, line ${i + 1}: not a journal record`);
    }
    if (record.t === 'plan') {
      state = {
        plan: record.plan,
        sha256: record.sha256,
        startedAt: record.at,
        steps: [],
        ended: null,
      };
      continue;
    }
    if (state === null)
      throw new HostError('EINVAL', path, `${path} does not start with a plan record`);
    // A resumed plan journals its interrupted step twice: later records are about the last try.
    const entry = state.steps.findLast((s) => s.step === (record as { step?: string }).step);
    if (record.t === 'undo')
      state.steps.push({ step: record.step, undo: record.undo, done: false, undone: false });
    else if (record.t === 'done' && entry) entry.done = true;
    else if (record.t === 'undone' && entry && record.ok) entry.undone = true;
    else if (record.t === 'end') state.ended = record;
  }
  if (state === null) throw new HostError('EINVAL', path, `${path} is empty`);
  return state;
}

export interface UnfinishedPlan {
  planId: string;
  startedAt: string;
  totalSteps: number;
  doneSteps: number;
  /** The step that had started when it stopped, if any. */
  inFlight: string | null;
  /** It failed and its rollback left steps to undo (rather than being stopped mid-way). */
  rollbackIncomplete?: boolean;
}

/** A plan that failed and whose rollback left steps not undone: `recover` can finish it. */
export function rollbackIncomplete(state: JournalState): boolean {
  return state.ended?.t === 'end' && state.ended.status === 'rollback-incomplete';
}

/** Applied or fully rolled back: nothing is left to do for this plan. */
export function hasEnded(state: JournalState): boolean {
  return state.ended !== null && !rollbackIncomplete(state);
}

/**
 * Plans that are not over: a crash, a kill or a power loss stopped them (no final record), or their
 * rollback could not undo every step.
 */
export async function findUnfinished(
  host: Host,
  journalDir = DEFAULT_JOURNAL_DIR,
): Promise<UnfinishedPlan[]> {
  let names: string[];
  try {
    names = await host.readDir(`${journalDir}/journal`);
  } catch (error) {
    if (error instanceof HostError && error.code === 'ENOENT') return [];
    throw error;
  }
  const result: UnfinishedPlan[] = [];
  for (const name of names.filter((n) => /^[0-9a-f]{16}\.jsonl$/.test(n))) {
    const state = await readJournal(host, `${journalDir}/journal/${name}`);
    if (hasEnded(state)) continue;
    const last = state.steps.at(-1);
    result.push({
      planId: state.plan.id,
      startedAt: state.startedAt,
      totalSteps: state.plan.steps.length,
      doneSteps: state.steps.filter((s) => s.done).length,
      inFlight: last && !last.done ? last.step : null,
      rollbackIncomplete: rollbackIncomplete(state),
    });
  }
  return result;
}
