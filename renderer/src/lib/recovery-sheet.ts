// The recovery sheet: a plain-text file the user keeps (or prints) before applying, saying for each
// step, newest first, what to type in a rescue shell to undo it when Cohabit itself cannot.
import { shellQuote } from '../../../shared/emit/shell-quote';
import type { Plan, Step } from '../../../shared/model/plan';
import { COHABIT_STATE_DIR, backupPathFor } from '../../../shared/ops/plan-identity';

// The executor's own names for its state and its backups: one function for both sides.
export { COHABIT_STATE_DIR, backupPathFor };

/** The temp file an atomic write leaves behind when it is killed half-way. */
export function tempPathFor(planId: string, path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.cohabit-${planId}.tmp`;
}

function fileWriteOf(step: Step): { path: string; existed: boolean } | null {
  if (step.call.verb !== 'file.write' || step.preview.kind !== 'file') return null;
  return { path: step.preview.path, existed: step.preview.previous !== null };
}

/** The lines to type for one step's undo, with a comment where words help more than a command. */
function undoLines(plan: Plan, step: Step, backups: ReadonlyMap<string, string>): string[] {
  const file = fileWriteOf(step);
  if (file !== null) {
    const temp = `rm -f -- ${shellQuote([tempPathFor(plan.id, file.path)])}   # a half-written copy, if the write was cut short`;
    if (!file.existed) return [...step.undo.shell, temp];
    const backup = backups.get(file.path) ?? '';
    return [
      `# The file as it was before the plan is kept at ${backup} (same mode and owner).`,
      shellQuote(['cp', '-p', '--', backup, file.path]),
      temp,
    ];
  }
  if (step.undo.shell.length > 0) return step.undo.shell;
  return ['# Nothing to type.'];
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** The sheet's text; the backup copies' names are hashed first (Web Crypto answers asynchronously). */
export async function recoverySheet(plan: Plan, machine?: string): Promise<string> {
  const replaced = plan.steps.flatMap((s) => {
    const file = fileWriteOf(s);
    return file?.existed ? [file.path] : [];
  });
  const backups = new Map(
    await Promise.all(
      replaced.map(async (path) => [path, await backupPathFor(plan.id, path)] as const),
    ),
  );
  return sheetText(plan, machine, backups);
}

function sheetText(
  plan: Plan,
  machine: string | undefined,
  backups: ReadonlyMap<string, string>,
): string {
  const journal = `${COHABIT_STATE_DIR}/journal/${plan.id}.jsonl`;
  const out: string[] = [
    `COHABIT RECOVERY SHEET`,
    ``,
    `Plan ${plan.id} for pool ${plan.pool}${machine === undefined ? '' : ` on ${machine}`}, made ${plan.createdAt}.`,
    `${plan.steps.length} steps. Keep this file somewhere other than this machine.`,
    ``,
    ...wrap(
      'Cohabit undoes a plan by itself when a step fails or you cancel, and offers to finish an interrupted rollback the next time it starts. Use this sheet only when that cannot happen: the machine does not boot, or Cohabit cannot run.',
      78,
      '',
    ),
    ``,
    `When Cohabit can run, this does everything below for you:`,
    `    cohabit recover --rollback ${plan.id}`,
    ``,
    `Which steps ran: the journal ${journal} has one line per step;`,
    `a step with a "done" line ran. Undo only those, from the top of this list down.`,
    ``,
    `From a rescue shell (a NixOS installer or any Linux with ZFS), as root:`,
    `    zpool import -f -N ${plan.pool}`,
    `    # mount the main system's root dataset at /mnt, then`,
    `    nixos-enter --root /mnt`,
    `    # and type the lines below inside it, so every path means what it says.`,
    ``,
    `Newest first:`,
  ];
  for (const step of [...plan.steps].reverse()) {
    out.push('', `${step.id}  [${step.risk}]  ${step.title}`);
    out.push(...wrap(`Undo: ${step.undo.text}`, 78, '    '));
    for (const line of undoLines(plan, step, backups)) out.push(`    ${line}`);
  }
  out.push('', `End of the sheet for plan ${plan.id}.`, '');
  return out.join('\n');
}
