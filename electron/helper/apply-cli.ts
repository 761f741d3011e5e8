// `cohabit apply` and `cohabit recover`: the terminal face of the executor. It shows what will
// change, asks once, elevates (pkexec, sudo or in-process) and draws progress as events arrive.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import * as v from 'valibot';
import type { Command } from 'commander';
import { PlanSchema } from '../../shared/model/plan';
import { errorMessage } from '../../shared/model/errors';
import { LocalExecHost } from './exec-host';
import { applyPlan, planSha256 } from './executor';
import { chooseElevation, runRequest } from './elevate';
import type { HelperOutcome } from './elevate';
import { specOf } from '../../shared/ops/verbs';
import type { ApplyResult, HelperEvent } from '../../shared/ops/helper-protocol';

export interface ApplyCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTty: boolean;
  /** Asks a yes/no question on the terminal; null when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

export class ApplyCliError extends Error {
  override readonly name = 'ApplyCliError';
}

async function terminalConfirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function bar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

/** Renders events as per-step lines, with a progress bar redrawn in place on a terminal. */
export function eventPrinter(io: ApplyCliIo): (event: HelperEvent) => void {
  let total = 0;
  let done = 0;
  return (e) => {
    switch (e.type) {
      case 'plan-started':
        total = e.steps.length;
        io.stdout(`${e.dryRun ? 'Dry run of' : 'Applying'} plan ${e.planId}: ${total} steps\n`);
        break;
      case 'step-started':
        io.stdout(
          `${io.isTty ? '\r\x1b[K' : ''}[${e.index + 1}/${e.total}] ${e.step} ${e.title}\n`,
        );
        break;
      case 'output':
        io.stdout(`${io.isTty ? '\r\x1b[K' : ''}    ${e.line}\n`);
        break;
      case 'step-finished':
        if (e.ok) done++;
        if (!e.ok) io.stdout(`    failed: ${e.error ?? ''}\n`);
        if (io.isTty) io.stdout(`\r\x1b[K${bar(done, total)}`);
        break;
      case 'rollback-started':
        io.stdout(`${io.isTty ? '\r\x1b[K' : ''}Rolling back: ${e.reason}\n`);
        break;
      case 'step-undone':
        io.stdout(`  ${e.ok ? 'undone' : 'NOT undone'} ${e.step}: ${e.message}\n`);
        break;
      case 'plan-finished':
        if (io.isTty) io.stdout('\r\x1b[K');
        break;
      default:
        break;
    }
  };
}

function printResult(io: ApplyCliIo, result: ApplyResult): number {
  io.stdout(`${result.message}\n`);
  for (const n of result.notUndone) io.stdout(`  not undone: ${n.step} ${n.text}: ${n.error}\n`);
  if (result.status === 'refused') return 2;
  return result.status === 'applied' ||
    result.status === 'dry-run' ||
    result.status === 'nothing-to-do'
    ? 0
    : 1;
}

function printOutcome(io: ApplyCliIo, outcome: HelperOutcome): number {
  if (outcome.result) return printResult(io, outcome.result);
  io.stderr(`cohabit: ${outcome.message}\n`);
  return outcome.kind === 'stopped-mid-step' ? 3 : 1;
}

export async function applyCommand(
  file: string,
  opts: { dryRun?: boolean; yes?: boolean },
  io: ApplyCliIo,
): Promise<number> {
  const text = await readFile(file, 'utf8').catch((e: unknown) => {
    throw new ApplyCliError(`cannot read ${file}: ${errorMessage(e)}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApplyCliError(`${file} is not JSON`);
  }
  const parsed = v.safeParse(PlanSchema, json);
  if (!parsed.success)
    throw new ApplyCliError(
      `${file} is not a Cohabit plan: ${v.getDotPath(parsed.issues[0]) ?? 'plan'}: ${parsed.issues[0].message}`,
    );
  const plan = parsed.output;
  // The hash is taken of the plan as read here, which is the plan listed below.
  const sha256 = planSha256(plan);
  const print = eventPrinter(io);
  if (opts.dryRun) {
    // A dry run changes nothing, so it runs unprivileged; some facts may be unreadable without root.
    const result = await applyPlan(plan, {
      host: new LocalExecHost(),
      dryRun: true,
      expectedSha256: sha256,
      onEvent: print,
    });
    return printResult(io, result);
  }
  const changing = plan.steps.filter(
    (s) => specOf(s.call, plan.id).risk(s.call.args as never) !== 'read-only',
  );
  if (!opts.yes) {
    io.stdout(`Plan ${plan.id} on pool ${plan.pool} will make these changes:\n`);
    for (const s of changing) io.stdout(`  ${s.id} [${s.risk}] ${s.title}\n`);
    const confirm = io.confirm ?? (io.isTty && process.stdin.isTTY ? terminalConfirm : undefined);
    if (confirm === undefined)
      throw new ApplyCliError(
        'not asking without a terminal: review the plan and pass --yes to apply it',
      );
    if (!(await confirm(`Apply these ${changing.length} changes? [y/N] `))) {
      io.stdout('Nothing was changed.\n');
      return 1;
    }
  }
  const controller = new AbortController();
  const onSigint = () => {
    io.stderr('\nCancelling: the running step is stopped, then everything is rolled back...\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const mode = chooseElevation({
      euid: process.geteuid?.() ?? 1000,
      env: process.env,
      stdinIsTty: process.stdin.isTTY,
    });
    const outcome = await runRequest(
      { type: 'apply', plan, sha256, dryRun: false },
      { mode, onEvent: print, signal: controller.signal },
    );
    return printOutcome(io, outcome);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export async function recoverCommand(
  planId: string | undefined,
  opts: { rollback?: boolean; resume?: boolean },
  io: ApplyCliIo,
): Promise<number> {
  if (opts.rollback && opts.resume)
    throw new ApplyCliError('choose --rollback or --resume, not both');
  const mode = chooseElevation({
    euid: process.geteuid?.() ?? 1000,
    env: process.env,
    stdinIsTty: process.stdin.isTTY,
  });
  if (planId === undefined) {
    const outcome = await runRequest({ type: 'list-unfinished' }, { mode });
    if (!outcome.unfinished) return printOutcome(io, outcome);
    if (outcome.unfinished.plans.length === 0) {
      io.stdout('No unfinished plan: every apply ended (applied or rolled back).\n');
      return 0;
    }
    for (const p of outcome.unfinished.plans)
      io.stdout(
        `${p.planId}  started ${p.startedAt}, ${p.doneSteps}/${p.totalSteps} steps done${p.inFlight ? `, stopped during ${p.inFlight}` : ''}\n`,
      );
    io.stdout('Finish one with `cohabit recover --rollback PLAN_ID` (or --resume).\n');
    return 3;
  }
  if (!/^[0-9a-f]{16}$/.test(planId))
    throw new ApplyCliError(`${planId} is not a plan id (16 hex digits)`);
  const outcome = await runRequest(
    { type: 'recover', planId, mode: opts.resume ? 'resume' : 'rollback' },
    { mode, onEvent: eventPrinter(io) },
  );
  return printOutcome(io, outcome);
}

/** Adds `apply` and `recover` to the program; exit codes go through setExitCode. */
export function addApplyCommands(
  program: Command,
  io: ApplyCliIo,
  setExitCode: (code: number) => void,
): void {
  program
    .command('apply')
    .description(
      'apply a plan made by `cohabit plan`: lists every change, asks once, then runs it as root with rollback',
    )
    .argument('<plan>', 'the plan JSON file')
    .option(
      '--dry-run',
      'check every precondition and list the steps; change nothing (needs no root)',
    )
    .option('--yes', 'do not ask (for scripts; the plan is still checked by the helper)')
    .action(async (file: string, opts: { dryRun?: boolean; yes?: boolean }) => {
      setExitCode(await applyCommand(file, opts, io));
    });
  program
    .command('recover')
    .description(
      'list plans a crash or kill interrupted, and finish one: roll it back (default) or resume it',
    )
    .argument('[plan-id]', 'the plan to finish')
    .option('--rollback', 'undo what the plan did (the default)')
    .option('--resume', 'undo the interrupted step and carry on from it')
    .action(async (planId: string | undefined, opts: { rollback?: boolean; resume?: boolean }) => {
      setExitCode(await recoverCommand(planId, opts, io));
    });
}
