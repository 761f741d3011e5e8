// `cohabit apply` and `cohabit recover`: the terminal face of the executor. The plan file goes
// through the same checks and store as a plan opened in the app; the run goes where run-target.ts
// sends the app's runs (this machine's helper, a remote machine over SSH, or the demo's
// walk-through); this file shows what will change, asks once and draws progress as events arrive.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { errorMessage } from '../../shared/model/errors';
import type { ApplyResult, HelperEvent, Request } from '../../shared/ops/helper-protocol';
import { visibleText } from '../../shared/model/visible-text';
import { confirmPlan, confirmationLines } from '../../shared/ops/verb-confirmation';
import { exitCodeFor } from '../../shared/ops/helper-protocol';
import { formatStepFailure } from '../../shared/ops/step-failure';
import { BackendError } from '../backend/backend-error';
import { PlanStore } from '../backend/plan-store';
import { runOnTarget } from '../backend/run-target';
import type { RunEnvironment, RunTarget } from '../backend/run-target';
import type { HelperOutcome } from '../helper/elevate';
import { SshUrlError, formatSshUrl, parseSshUrl } from '../host/ssh-host';
import type { SshHostOptions, SshTarget } from '../host/ssh-host';
import { releaseHost, selectHost } from '../host/select-host';
import type { HostChoice } from '../host/select-host';
import { readInventory } from '../inventory/read-inventory';
import { afterApplyBootOnce, bootOnceConfirmLine, bootOnceRefusal } from './boot-once-command';
import { openAppLog } from '../log/app-log';

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

/** How runs are made: the ssh options tests need (a key, a known_hosts), a fake local helper. */
export interface RemoteOptions {
  ssh?: Omit<SshHostOptions, 'root'>;
  local?: RunEnvironment['local'];
  /** The user's log, where each run's steps, times and failures are kept. */
  log?: RunEnvironment['log'];
}

export type ApplyOptions = HostChoice & {
  dryRun?: boolean;
  yes?: boolean;
  /** --boot-once [entry]: then have GRUB start the new system at the next boot only. */
  bootOnce?: string | true;
};

/** The CLI's choice of machine, as the app's backend makes it: remote, recorded or this one. */
async function runTargetOf(choice: HostChoice): Promise<RunTarget> {
  if (choice.host !== undefined) return { kind: 'ssh', target: choice.host };
  if (choice.demo) return { kind: 'recorded', description: 'the demo machine' };
  if (choice.hostSnapshot !== undefined) {
    // Loaded once, so that a file that is not a snapshot is said before the walk-through.
    const host = await selectHost(choice);
    await releaseHost(host);
    return { kind: 'recorded', description: host.description };
  }
  return { kind: 'local' };
}

async function terminalConfirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Helper events and results carry plan titles, tool output and error text: one line each, visible. */
const shown = (text: string) => visibleText(text);

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
        io.stdout(
          `${e.dryRun ? 'Dry run of' : 'Applying'} plan ${shown(e.planId)}: ${total} steps\n`,
        );
        break;
      case 'step-started':
        io.stdout(
          `${io.isTty ? '\r\x1b[K' : ''}[${e.index + 1}/${e.total}] ${shown(e.step)} ${shown(e.title)}\n`,
        );
        break;
      case 'output':
        io.stdout(`${io.isTty ? '\r\x1b[K' : ''}    ${shown(e.line)}\n`);
        break;
      case 'step-finished':
        if (e.ok) done++;
        // The command, its exit code and stderr's tail, each made visible like any machine text.
        if (!e.ok && e.failure !== null)
          io.stdout(
            formatStepFailure(e.failure)
              .map((l, i) => `    ${i === 0 ? 'failed: ' : ''}${shown(l)}\n`)
              .join(''),
          );
        if (io.isTty) io.stdout(`\r\x1b[K${bar(done, total)}`);
        break;
      case 'rollback-started':
        io.stdout(`${io.isTty ? '\r\x1b[K' : ''}Rolling back: ${shown(e.reason)}\n`);
        break;
      case 'step-undone':
        io.stdout(`  ${e.ok ? 'undone' : 'NOT undone'} ${shown(e.step)}: ${shown(e.message)}\n`);
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
  io.stdout(`${visibleText(result.message, { multiline: true })}\n`);
  for (const n of result.notUndone)
    io.stdout(`  not undone: ${shown(n.step)} ${shown(n.text)}: ${shown(n.error)}\n`);
  // The helper's own mapping: a rollback that left steps is 3, as --help says, not 1.
  return exitCodeFor(result);
}

function printOutcome(io: ApplyCliIo, outcome: HelperOutcome): number {
  if (outcome.result) return printResult(io, outcome.result);
  io.stderr(`cohabit: ${visibleText(outcome.message, { multiline: true })}\n`);
  return outcome.kind === 'stopped-mid-step' ? 3 : 1;
}

/** Runs one request where the choice says, cancelling it on Ctrl+C (it then rolls back). */
async function runWithCtrlC(
  target: RunTarget,
  request: Request,
  io: ApplyCliIo,
  remote: RemoteOptions,
  onEvent: (event: HelperEvent) => void,
): Promise<HelperOutcome> {
  const controller = new AbortController();
  const onSigint = () => {
    io.stderr('\nCancelling: the running step is stopped, then everything is rolled back...\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await runOnTarget(target, request, remote, { onEvent, signal: controller.signal });
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * The plan file, checked as the app checks a plan it opens (schema, previews that are what the
 * verbs do, a pool the machine has) and kept in a store; the run then names it by id and hash.
 */
async function openPlanFile(file: string, target: RunTarget, choice: HostChoice) {
  const text = await readFile(file, 'utf8').catch((e: unknown) => {
    throw new ApplyCliError(`cannot read ${file}: ${errorMessage(e)}`);
  });
  // A recorded machine's pools are known without cost; a live one says so in its preconditions.
  const inventory =
    target.kind === 'recorded'
      ? await (async () => {
          const host = await selectHost(choice);
          try {
            return await readInventory(host);
          } finally {
            await releaseHost(host);
          }
        })()
      : null;
  const machine =
    target.kind === 'ssh'
      ? formatSshUrl(target.target)
      : target.kind === 'recorded'
        ? target.description
        : 'this machine';
  const store = new PlanStore();
  try {
    const opened = await store.open(text, file, { machine, inventory });
    return store.take(opened.plan.id, opened.sha256, machine);
  } catch (error) {
    if (error instanceof BackendError) throw new ApplyCliError(error.message);
    throw error;
  }
}

export async function applyCommand(
  file: string,
  opts: ApplyOptions,
  io: ApplyCliIo,
  remote: RemoteOptions = {},
): Promise<number> {
  if (!opts.dryRun && (opts.demo || opts.hostSnapshot !== undefined))
    throw new ApplyCliError(
      `${opts.demo ? 'the demo machine' : `snapshot ${opts.hostSnapshot ?? ''}`} is a recorded machine: there is nothing to apply on it. \`--dry-run\` walks through the steps.`,
    );
  const target = await runTargetOf(opts);
  const { plan, sha256 } = await openPlanFile(file, target, opts);
  const cannotBootOnce = bootOnceRefusal(plan, opts.bootOnce);
  if (cannotBootOnce !== null) throw new ApplyCliError(`${cannotBootOnce} Nothing was changed.`);
  const print = eventPrinter(io);
  const request = { type: 'apply', plan, sha256, dryRun: opts.dryRun ?? false } as const;
  // A dry run changes nothing, so it runs unprivileged (on a remote machine too: no sudo is
  // asked for); some facts may be unreadable without root.
  const confirm = io.confirm ?? (io.isTty && process.stdin.isTTY ? terminalConfirm : undefined);
  const bootOnce = (code: number, outcome: HelperOutcome) =>
    code !== 0 || (outcome.result?.status !== 'applied' && outcome.result?.status !== 'dry-run')
      ? code
      : afterApplyBootOnce(
          plan,
          opts,
          { ...io, confirm },
          (r) => runOnTarget(target, r, remote, { onEvent: print }),
          (o) => printOutcome(io, o),
        );
  if (opts.dryRun) {
    const outcome = await runOnTarget(target, request, remote, { onEvent: print });
    return bootOnce(printOutcome(io, outcome), outcome);
  }
  // Built from the verbs the helper runs, never from the plan's titles or risk fields: a plan
  // file from elsewhere may say one thing in its titles and do another in its verbs.
  const steps = await confirmPlan(plan);
  const changing = steps.filter((s) => s.risk !== 'read-only');
  if (!opts.yes) {
    const where = opts.host === undefined ? '' : ` at ${formatSshUrl(opts.host)}`;
    io.stdout(
      `Plan ${plan.id} (sha256 ${sha256}) on pool ${visibleText(plan.pool)}${where} runs these ${steps.length} steps, ${changing.length} of which change the machine.\n` +
        "Each step is what the helper will run, from its verb; the plan's own title follows in quotes.\n",
    );
    for (const s of steps)
      io.stdout(
        confirmationLines(s)
          .map((line) => `  ${line}\n`)
          .join(''),
      );
    io.stdout(bootOnceConfirmLine(plan, opts.bootOnce) ?? '');
    if (confirm === undefined)
      throw new ApplyCliError(
        'not asking without a terminal: review the plan and pass --yes to apply it',
      );
    if (!(await confirm(`Apply these ${changing.length} changes? [y/N] `))) {
      io.stdout('Nothing was changed.\n');
      return 1;
    }
  }
  const outcome = await runWithCtrlC(target, request, io, remote, print);
  return bootOnce(printOutcome(io, outcome), outcome);
}

export async function recoverCommand(
  planId: string | undefined,
  opts: { rollback?: boolean; resume?: boolean; host?: SshTarget },
  io: ApplyCliIo,
  remote: RemoteOptions = {},
): Promise<number> {
  if (opts.rollback && opts.resume)
    throw new ApplyCliError('choose --rollback or --resume, not both');
  if (planId !== undefined && !/^[0-9a-f]{16}$/.test(planId))
    throw new ApplyCliError(`${planId} is not a plan id (16 hex digits)`);
  const target: RunTarget =
    opts.host === undefined ? { kind: 'local' } : { kind: 'ssh', target: opts.host };
  if (planId === undefined) {
    const outcome = await runOnTarget(target, { type: 'list-unfinished' }, remote, {
      onEvent: () => undefined,
    });
    if (!outcome.unfinished) return printOutcome(io, outcome);
    if (outcome.unfinished.plans.length === 0) {
      io.stdout('No unfinished plan: every apply ended (applied or rolled back).\n');
      return 0;
    }
    for (const p of outcome.unfinished.plans)
      io.stdout(
        p.rollbackIncomplete
          ? `${shown(p.planId)}  started ${shown(p.startedAt)}, failed${p.inFlight ? ` at ${shown(p.inFlight)}` : ''}; its rollback could not undo every step (--rollback only)\n`
          : `${shown(p.planId)}  started ${shown(p.startedAt)}, ${p.doneSteps}/${p.totalSteps} steps done${p.inFlight ? `, stopped at ${shown(p.inFlight)}` : ''}\n`,
      );
    io.stdout('Finish one with `cohabit recover --rollback PLAN_ID` (or --resume).\n');
    return 3;
  }
  const request = { type: 'recover', planId, mode: opts.resume ? 'resume' : 'rollback' } as const;
  return printOutcome(
    io,
    await runOnTarget(target, request, remote, { onEvent: eventPrinter(io) }),
  );
}

// The remote machine; the address is checked before anything runs (a bad one exits 2).
function sshHostOption(what: string): Option {
  return new Option(
    '--host <ssh-url>',
    `${what} on a remote machine over SSH: ssh://user@server[:port]`,
  ).argParser((value) => {
    try {
      return parseSshUrl(value);
    } catch (error) {
      if (error instanceof SshUrlError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  });
}

/**
 * Adds `apply` and `recover` to the program; exit codes go through setExitCode. `hostOptions`
 * adds --demo and --host-snapshot as the other commands have them (a dry run walks the steps on
 * a recorded machine, as the app's does).
 */
export function addApplyCommands(
  program: Command,
  io: ApplyCliIo,
  setExitCode: (code: number) => void,
  hostOptions: (command: Command) => Command,
): void {
  hostOptions(
    program
      .command('apply')
      .description(
        'apply a plan made by `cohabit plan`: lists every step as the helper will run it (argv; files with mode, size and sha256), asks once, then runs it as root with rollback.\n' +
          'With --dry-run --demo (or --host-snapshot FILE), walk through its steps on that recorded machine; nothing runs.',
      )
      .argument('<plan>', 'the plan JSON file')
      .option(
        '--dry-run',
        'check every precondition and list the steps; change nothing (needs no root)',
      )
      .option('--yes', 'do not ask (for scripts; the plan is still checked by the helper)')
      .option(
        '--boot-once [entry]',
        'once applied, have GRUB start the new system at the next boot only, so the boot after returns to the main system (needs /boot/grub on ext2/3/4 or FAT on a plain partition; elsewhere it refuses before anything runs, saying why and what to pick in the menu; a one-time choice GRUB already holds is left alone, and it says how to clear it); ENTRY is the menu id (cohabit-...) when the plan adds several',
      )
      .addOption(sshHostOption('apply it').conflicts(['demo', 'hostSnapshot'])),
  ).action(async (file: string, opts: ApplyOptions) => {
    setExitCode(await applyCommand(file, opts, io, { log: openAppLog() }));
  });
  program
    .command('recover')
    .description(
      'list plans a crash, a kill or a lost connection interrupted, or whose rollback could not finish (a busy mount), and finish one: roll it back (default) or resume it',
    )
    .argument('[plan-id]', 'the plan to finish')
    .option('--rollback', 'undo what the plan did (the default)')
    .option('--resume', 'undo the interrupted step and carry on from it')
    .addOption(sshHostOption('recover'))
    .action(
      async (
        planId: string | undefined,
        opts: { rollback?: boolean; resume?: boolean; host?: SshTarget },
      ) => {
        setExitCode(await recoverCommand(planId, opts, io, { log: openAppLog() }));
      },
    );
}
