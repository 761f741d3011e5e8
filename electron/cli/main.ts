// The `cohabit` command line: the same layers as the app, without the window.
import { readFile, writeFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { formatAnalysisJson, formatAnalysisText } from '../../shared/analysis/format-analysis';
import { contextFromListing } from '../../shared/analysis/listing-context';
import { analyzePassthrough, machineAnalysisContext } from '../../shared/analysis/passthrough';
import type { AnalysisContext } from '../../shared/analysis/passthrough';
import { ParseError, errorMessage } from '../../shared/model/errors';
import { visibleText } from '../../shared/model/visible-text';
import { parseIommuListing } from '../../shared/parse/iommu-listing';
import { HostError } from '../host/host';
import { LocalHost } from '../host/local-host';
import { RecordingHost } from '../host/recording-host';
import { SnapshotHost } from '../host/snapshot-host';
import { redactSnapshot } from '../host/redact';
import { DEFAULT_DEMO, DEMO_MACHINES, demoMachine, formatDemoList } from '../host/demo-machines';
import { releaseHost, selectHost } from '../host/select-host';
import type { HostChoice } from '../host/select-host';
import { SshUrlError, formatSshUrl, parseSshUrl } from '../host/ssh-host';
import { createBackend } from '../backend/backend';
import { readInventory } from '../inventory/read-inventory';
import { openInBrowser } from '../serve/open-browser';
import { defaultLogPath, openAppLog, readLogTail } from '../log/app-log';
import { startServer } from '../serve/server';
import { addPlanCommand } from '../planner/plan-command';
import { ansiStyle, formatInventory, plainStyle } from './format-inventory';
import { addApplyCommands } from './apply-command';
import { VERSION, formatAbout } from './about';

// The build writes cohabit(1) from the bundle with this (build/cli-outputs-plugin.ts); the
// packaging spec asks the installed bundle where its helper is.
export { formatManPage } from './man-page';
export { installedHelperPath } from '../helper/helper-location';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTty: boolean;
}

const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTty: process.stdout.isTTY && !process.env.NO_COLOR,
};

/** A failure the user caused or can fix: printed as one line, no stack trace. */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/** Input that cannot start the command at all (a file that is not what it should be): exit 2. */
export class BadInputError extends UserError {}

function hostOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--demo [name]',
        `use a demo machine shipped with Cohabit (default ${DEFAULT_DEMO}; \`inventory --demo list\` names them)`,
      )
        .conflicts('hostSnapshot')
        .argParser((value) => {
          if (value === 'list') return value;
          try {
            return demoMachine(value).name;
          } catch (error) {
            throw new InvalidArgumentError(errorMessage(error));
          }
        }),
    )
    .addOption(
      new Option(
        '--host-snapshot <file>',
        'replay a host snapshot recorded with `cohabit snapshot`',
      ),
    );
}

// A remote machine over the system ssh client; the address is checked before anything runs.
function sshHostOption(): Option {
  return new Option('--host <ssh-url>', 'read a remote machine over SSH: ssh://user@server[:port]')
    .conflicts(['demo', 'hostSnapshot'])
    .argParser((value) => {
      try {
        return parseSshUrl(value);
      } catch (error) {
        if (error instanceof SshUrlError) throw new InvalidArgumentError(error.message);
        throw error;
      }
    });
}

async function readChosenInventory(choice: HostChoice) {
  if (choice.demo === 'list')
    throw new UserError('`--demo list` names the demo machines with `cohabit inventory`.');
  const host = await selectHost(choice);
  try {
    return await readInventory(host);
  } finally {
    await releaseHost(host);
  }
}

// Long because it declares the read-only commands for commander one after another (plan's and
// apply's have their own files).
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('cohabit')
    .description(
      'Plan and apply extra NixOS systems and VFIO virtual machines on one ZFS pool.\nEvery command reads without root; nothing changes but through `apply` and `recover`.',
    )
    .version(VERSION)
    .addHelpText('after', formatAbout())
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError();

  hostOptions(
    program
      .command('inventory')
      .description(
        'show what Cohabit sees on this machine: pools, disks, IOMMU groups, GPUs, USB controllers',
      )
      .option('--json', 'print the inventory as JSON (format cohabit-inventory/1)')
      .addOption(sshHostOption()),
  ).action(async (opts: HostChoice & { json?: boolean }) => {
    if (opts.demo === 'list') {
      io.stdout(
        opts.json
          ? `${JSON.stringify(
              DEMO_MACHINES.map(({ name, description }) => ({ name, description })),
              null,
              2,
            )}\n`
          : formatDemoList(),
      );
      return;
    }
    const inventory = await readChosenInventory(opts);
    if (opts.json) io.stdout(JSON.stringify(inventory, null, 2) + '\n');
    else io.stdout(formatInventory(inventory, io.isTty ? ansiStyle : plainStyle));
  });

  hostOptions(
    program
      .command('analyze')
      .description(
        'what can go to a VM and why: for every GPU and USB controller, the devices that must go with it and a verdict.\n' +
          'With FILE, analyse a pasted IOMMU group listing (the Arch-wiki script, its one-line form, ls-iommu and other scripts, colour codes and all; - reads stdin).',
      )
      .argument('[file]', 'an IOMMU group listing as posted in forums')
      .option('--json', 'print the analysis as JSON')
      .option(
        '--headless',
        'the host will run without a display, so its display GPU may be passed too',
      )
      .option(
        '--acs-override',
        'with a listing: the machine ran with pcie_acs_override (the listing cannot show it)',
      )
      .addOption(sshHostOption()),
  ).action(
    async (
      file: string | undefined,
      opts: HostChoice & { json?: boolean; headless?: boolean; acsOverride?: boolean },
    ) => {
      let ctx: AnalysisContext;
      if (file !== undefined) {
        if (opts.demo || opts.hostSnapshot !== undefined || opts.host !== undefined)
          throw new UserError(
            'Give either a listing FILE or --demo / --host-snapshot / --host, not both.',
          );
        const text =
          file === '-'
            ? await readStdin()
            : await readFile(file, 'utf8').catch((e: unknown) => {
                throw new UserError(`cannot read ${file}: ${errorMessage(e)}`);
              });
        let listing;
        try {
          listing = parseIommuListing(text);
        } catch (error) {
          if (error instanceof ParseError)
            throw new UserError(
              `${file} does not look like an IOMMU group listing: ${error.message}`,
            );
          throw error;
        }
        ctx = contextFromListing(listing, {
          hostHeadless: opts.headless ?? false,
          acsOverride: opts.acsOverride ?? false,
        });
        for (const d of listing.diagnostics) io.stderr(`note: ${visibleText(d.message)}\n`);
      } else {
        const inventory = await readChosenInventory(opts);
        ctx = machineAnalysisContext(inventory, { hostHeadless: opts.headless ?? false });
      }
      const analysis = analyzePassthrough(ctx);
      // Device names come from the machine or a listing pasted from a forum: made visible.
      io.stdout(
        opts.json
          ? formatAnalysisJson(analysis) + '\n'
          : visibleText(formatAnalysisText(analysis), { multiline: true }),
      );
    },
  );

  program
    .command('snapshot')
    .description(
      'record everything the inventory reads on this machine into one JSON file, for a bug report or a test',
    )
    .requiredOption('--out <file>', 'where to write the snapshot')
    .option(
      '--redact',
      'replace serial numbers, UUIDs, pool GUIDs, the hostid and the hostname with stand-ins (in the log tail too, and the home directory with ~)',
    )
    .option(
      '--log',
      `attach the last ${LOG_TAIL_BYTES / 1024} KiB of Cohabit's log ($XDG_STATE_HOME/cohabit/cohabit.log) for a bug report`,
    )
    .action(async (opts: { out: string; redact?: boolean; log?: boolean }) => {
      const recorder = new RecordingHost(new LocalHost(), 'recorded with cohabit snapshot');
      const inventory = await readInventory(recorder);
      const path = defaultLogPath();
      const recorded = opts.log
        ? { ...recorder.snapshot, log: { path, tail: readLogTail(path, LOG_TAIL_BYTES) } }
        : recorder.snapshot;
      const snapshot = opts.redact ? redactSnapshot(recorded) : recorded;
      await writeFile(opts.out, JSON.stringify(snapshot, null, 1) + '\n', { mode: 0o600 });
      const lines = snapshot.log?.tail.split('\n').filter((l) => l !== '').length;
      const counts = `${Object.keys(snapshot.files).length} files, ${snapshot.commands.length} commands${lines === undefined ? '' : `, ${lines} log lines`}`;
      io.stderr(
        `Wrote ${opts.out} (${counts}${opts.redact ? ', redacted' : ''}); ${inventory.diagnostics.length} diagnostics.\n`,
      );
      if (!opts.redact)
        io.stderr('It holds serial numbers and UUIDs; use --redact before posting it publicly.\n');
    });

  hostOptions(
    program
      .command('serve')
      .description(
        'serve the Cohabit app to a browser on this machine (127.0.0.1 only, behind a token); over SSH, forward the port',
      )
      .addOption(
        new Option('--port <n>', 'port to listen on (0 picks a free one)')
          .default(0)
          .argParser(parsePort),
      )
      .option('--no-open', 'print the URL without opening a browser')
      .addOption(sshHostOption()),
  ).action(async (opts: HostChoice & { port: number; open: boolean }) => {
    const remote = opts.host;
    // A server that starts and prints a URL for a machine it cannot show helps nobody: the
    // snapshot is read now, and a bad one ends the command before it listens.
    if (opts.hostSnapshot !== undefined)
      await SnapshotHost.load(opts.hostSnapshot).catch((error: unknown) => {
        throw new BadInputError(
          `${errorMessage(error)}. Nothing is served; record a snapshot with \`cohabit snapshot --out FILE\`.`,
        );
      });
    const log = openAppLog(defaultLogPath());
    const server = await startServer({
      log,
      demo: opts.demo,
      hostSnapshot: opts.hostSnapshot,
      port: opts.port,
      // The remote machine is shown; the app may still switch to the demo, not to this machine.
      // The server owns this backend from here on and closes it when it stops.
      backend:
        remote === undefined
          ? undefined
          : createBackend({ kind: 'ssh', target: remote }, { allowLocal: false, log }),
    });
    const shown = opts.demo
      ? `the demo machine${typeof opts.demo === 'string' ? ` "${opts.demo}"` : ''}`
      : opts.hostSnapshot !== undefined
        ? `snapshot ${opts.hostSnapshot}`
        : remote !== undefined
          ? formatSshUrl(remote)
          : 'this machine';
    io.stdout(`Cohabit is serving ${shown} at\n  ${server.url}\n`);
    io.stdout(
      'Only this machine can connect; the token in the URL is the key. Press Ctrl+C to stop.\n',
    );
    // The browser gets the path of a 0600 file that forwards it to the URL, never the URL itself:
    // argv and environment are readable by every local user in /proc.
    const launch = opts.open ? openInBrowser(server.url) : null;
    // Ctrl+C or a service manager's SIGTERM: the server closes its backend, so the SSH master
    // connection of `serve --host` (a process of its own) ends with this command, not after it.
    await new Promise<void>((resolve) => {
      const stop = () => {
        // A second Ctrl+C finds no handler and ends the process at once.
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        if (server.applying())
          io.stderr(
            'An apply is running: cancelling it and waiting for its rollback. Ctrl+C again stops at once; `cohabit recover` then finishes the rollback.\n',
          );
        launch?.remove();
        void server.close().then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  });

  addPlanCommand(program, io, (command) => hostOptions(command).addOption(sshHostOption()));

  addApplyCommands(program, io, (code) => applyExitCodes.set(program, code), hostOptions);

  return program;
}

/** apply and recover end with their own exit code (1 rolled back, 2 refused, 3 unfinished). */
const applyExitCodes = new WeakMap<Command, number>();

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError('a port is a number from 0 to 65535.');
  return port;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024 * 1024) throw new UserError('the listing on stdin is larger than 64 MiB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The last part of the log `snapshot --log` attaches: the latest runs, not months of them. */
const LOG_TAIL_BYTES = 64 * 1024;

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return applyExitCodes.get(program) ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof BadInputError) {
      io.stderr(`cohabit: ${visibleText(error.message, { multiline: true })}\n`);
      return 2;
    }
    if (error instanceof UserError) {
      io.stderr(`cohabit: ${visibleText(error.message, { multiline: true })}\n`);
      return 1;
    }
    // A machine that answered unexpectedly, or a bug: the one line is said, the log keeps the
    // stack and the command line, and the user is told where it is.
    const log = openAppLog(defaultLogPath());
    log.write(error instanceof HostError ? 'info' : 'error', 'cli-failed', {
      argv: [...argv],
      message: errorMessage(error),
      stack: error instanceof Error ? (error.stack ?? null) : null,
    });
    io.stderr(`cohabit: ${visibleText(errorMessage(error), { multiline: true })}\n`);
    if (process.env.COHABIT_DEBUG) io.stderr(`${(error as Error).stack ?? ''}\n`);
    else io.stderr(`cohabit: the details are in ${log.path}\n`);
    return 1;
  }
}
