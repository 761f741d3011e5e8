// Rolling back: each step's journaled undo in reverse order, a destroy udev still holds tried
// again, undos a later destroy covers counted with it, and a machine out of reach said plainly.
import { errorMessage } from '../../shared/model/errors';
import type { Plan } from '../../shared/model/plan';
import type { ApplyEvent, ApplyResult } from '../../shared/ops/helper-protocol';
import { describeArgv, isUnreachable } from '../host/host';
import type { ExecHost } from './exec-host';
import { isTempFor } from './exec-host';
import type { Journal, JournalRecord, Undo } from './journal';

const UNDO_TIMEOUT_MS = 30 * 60_000;

/** A step that ran (or started to): its undo, written to the journal before it ran. */
export interface Ran {
  step: string;
  undo: Undo;
  done: boolean;
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
      // The journaled temp name again (its leftover was just removed), unless the journal is
      // older than random temp names.
      await host.writeFileAtomic(u.path, bytes, {
        mode: u.mode,
        uid: u.uid,
        gid: u.gid,
        ...(isTempFor(u.path, u.temp) ? { temp: u.temp } : {}),
      });
      return;
    }
  }
}

/** Appends to the journal without throwing; what could not be written is kept in `problems`. */
export function tolerantRecorder(journal: Journal): {
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
export async function markIncomplete(
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
export function unfinishedAdvice(
  journal: Journal,
  host: ExecHost,
  journalProblems: string[],
): string {
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
export async function rollBack(
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
