// The `cohabit` command line: the same layers as the app, without the window.
import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { errorMessage } from '../../shared/model/errors';
import { HostError } from '../host/host';
import { LocalHost } from '../host/local-host';
import { RecordingHost } from '../host/recording-host';
import { redactSnapshot } from '../host/redact';
import { selectHost } from '../host/select-host';
import type { HostChoice } from '../host/select-host';
import { readInventory } from '../inventory/read-inventory';
import { ansiStyle, formatInventory, plainStyle } from './format-inventory';

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

function hostOptions(command: Command): Command {
  return command
    .addOption(new Option('--demo', 'use the demo machine shipped with Cohabit').conflicts('hostSnapshot'))
    .addOption(new Option('--host-snapshot <file>', 'replay a host snapshot recorded with `cohabit snapshot`'));
}

export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('cohabit')
    .description(
      'Plan and apply extra NixOS systems and VFIO virtual machines on one ZFS pool.\nEvery command reads without root; nothing changes without `apply`.',
    )
    .version('0.1.0')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError();

  hostOptions(
    program
      .command('inventory')
      .description('show what Cohabit sees on this machine: pools, disks, IOMMU groups, GPUs, USB controllers')
      .option('--json', 'print the inventory as JSON (format cohabit-inventory/1)'),
  ).action(async (opts: HostChoice & { json?: boolean }) => {
    const host = await selectHost(opts);
    const inventory = await readInventory(host);
    if (opts.json) io.stdout(JSON.stringify(inventory, null, 2) + '\n');
    else io.stdout(formatInventory(inventory, io.isTty ? ansiStyle : plainStyle));
  });

  program
    .command('snapshot')
    .description('record everything the inventory reads on this machine into one JSON file, for a bug report or a test')
    .requiredOption('--out <file>', 'where to write the snapshot')
    .option('--redact', 'replace serial numbers, UUIDs, pool GUIDs, the hostid and the hostname with stand-ins')
    .action(async (opts: { out: string; redact?: boolean }) => {
      const recorder = new RecordingHost(new LocalHost(), 'recorded with cohabit snapshot');
      const inventory = await readInventory(recorder);
      const snapshot = opts.redact ? redactSnapshot(recorder.snapshot) : recorder.snapshot;
      await writeFile(opts.out, JSON.stringify(snapshot, null, 1) + '\n', { mode: 0o600 });
      const counts = `${Object.keys(snapshot.files).length} files, ${snapshot.commands.length} commands`;
      io.stderr(`Wrote ${opts.out} (${counts}${opts.redact ? ', redacted' : ''}); ${inventory.diagnostics.length} diagnostics.\n`);
      if (!opts.redact) io.stderr('It holds serial numbers and UUIDs; use --redact before posting it publicly.\n');
    });

  return program;
}

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UserError || error instanceof HostError) {
      io.stderr(`cohabit: ${error.message}\n`);
      return 1;
    }
    io.stderr(`cohabit: ${errorMessage(error)}\n`);
    if (process.env.COHABIT_DEBUG) io.stderr(`${(error as Error).stack ?? ''}\n`);
    return 1;
  }
}
