// `cohabit apply` and `cohabit recover`: the terminal face of the executor. It shows what will
// change, asks once, elevates (pkexec, sudo or in-process) and draws progress as events arrive.
// With --host the executor runs here over SSH, root on the remote side, its journal kept there.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import * as v from 'valibot';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { SshHost, SshUrlError, formatSshUrl, parseSshUrl } from '../host/ssh-host';
import type { SshHostOptions, SshTarget } from '../host/ssh-host';
import { SshExecHost } from './ssh-exec-host';
import { PlanSchema } from '../../shared/model/plan';
import { errorMessage } from '../../shared/model/errors';
import { LocalExecHost } from './exec-host';
import type { ExecHost } from './exec-host';
import { applyPlan, planSha256 } from './executor';
import { chooseElevation, runRequest } from './elevate';
import type { HelperOutcome } from './elevate';
import { specOf } from '../../shared/ops/verbs';
import type { ApplyResult, HelperEvent, Request } from '../../shared/ops/helper-protocol';

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

/** How a remote machine is reached: the ssh options tests need (a key, a known_hosts). */
export interface RemoteOptions {
  ssh?: Omit<SshHostOptions, 'root'>;
}

type Run = (
  request: Request,
  options: { onEvent?: (event: HelperEvent) => void; signal?: AbortSignal },
) => Promise<HelperOutcome>;

/**
 * Runs requests on this machine through the helper (pkexec, sudo or in-process), or on a remote
 * one with the executor here over SSH: its uid 0 comes from a root login or `sudo -n`, never from
 * a local password, and the journal and markers live in the remote /var/lib/cohabit.
 */
async function withRunner<T>(
  host: SshTarget | undefined,
  root: boolean,
  remote: RemoteOptions,
  work: (run: Run) => Promise<T>,
): Promise<T> {
  if (host === undefined) {
    const mode = chooseElevation({
      euid: process.geteuid?.() ?? 1000,
      env: process.env,
      stdinIsTty: process.stdin.isTTY,
    });
    return work((request, options) => runRequest(request, { ...options, mode }));
  }
  const ssh = await SshHost.connect(host, { ...remote.ssh, root });
  try {
    const exec = new SshExecHost(ssh);
    return await work((request, options) =>
      runRequest(request, { ...options, mode: 'in-process', host: exec }),
    );
  } finally {
    await ssh.close();
  }
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
  opts: { dryRun?: boolean; yes?: boolean; host?: SshTarget },
  io: ApplyCliIo,
  remote: RemoteOptions = {},
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
    // A dry run changes nothing, so it runs unprivileged (on a remote machine too: no sudo is
    // asked for); some facts may be unreadable without root.
    const dryRun = (host: ExecHost) =>
      applyPlan(plan, { host, dryRun: true, expectedSha256: sha256, onEvent: print });
    if (opts.host === undefined) return printResult(io, await dryRun(new LocalExecHost()));
    const ssh = await SshHost.connect(opts.host, { ...remote.ssh, root: false });
    try {
      return printResult(io, await dryRun(new SshExecHost(ssh)));
    } finally {
      await ssh.close();
    }
  }
  const changing = plan.steps.filter(
    (s) => specOf(s.call, plan.id).risk(s.call.args as never) !== 'read-only',
  );
  if (!opts.yes) {
    const where = opts.host === undefined ? '' : ` at ${formatSshUrl(opts.host)}`;
    io.stdout(`Plan ${plan.id} on pool ${plan.pool}${where} will make these changes:\n`);
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
    return await withRunner(opts.host, true, remote, async (run) =>
      printOutcome(
        io,
        await run(
          { type: 'apply', plan, sha256, dryRun: false },
          { onEvent: print, signal: controller.signal },
        ),
      ),
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
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
  return withRunner(opts.host, true, remote, (run) => recoverWith(run, planId, opts, io));
}

async function recoverWith(
  run: Run,
  planId: string | undefined,
  opts: { resume?: boolean },
  io: ApplyCliIo,
): Promise<number> {
  if (planId === undefined) {
    const outcome = await run({ type: 'list-unfinished' }, {});
    if (!outcome.unfinished) return printOutcome(io, outcome);
    if (outcome.unfinished.plans.length === 0) {
      io.stdout('No unfinished plan: every apply ended (applied or rolled back).\n');
      return 0;
    }
    for (const p of outcome.unfinished.plans)
      io.stdout(
        p.rollbackIncomplete
          ? `${p.planId}  started ${p.startedAt}, failed${p.inFlight ? ` at ${p.inFlight}` : ''}; its rollback could not undo every step (--rollback only)\n`
          : `${p.planId}  started ${p.startedAt}, ${p.doneSteps}/${p.totalSteps} steps done${p.inFlight ? `, stopped at ${p.inFlight}` : ''}\n`,
      );
    io.stdout('Finish one with `cohabit recover --rollback PLAN_ID` (or --resume).\n');
    return 3;
  }
  const outcome = await run(
    { type: 'recover', planId, mode: opts.resume ? 'resume' : 'rollback' },
    { onEvent: eventPrinter(io) },
  );
  return printOutcome(io, outcome);
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
    .addOption(sshHostOption('apply it'))
    .action(async (file: string, opts: { dryRun?: boolean; yes?: boolean; host?: SshTarget }) => {
      setExitCode(await applyCommand(file, opts, io));
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
        setExitCode(await recoverCommand(planId, opts, io));
      },
    );
}
