// `cohabit plan LAYOUT.json [--demo | --host-snapshot FILE | --host ssh://...] [--json]` and `cohabit plan --example
// seed`: reads the machine and the layout, prints the plan. Nothing runs; bad input exits 1.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { errorMessage } from '../../shared/model/errors';
import { seedLayout } from '../../shared/planner/examples';
import { plan } from '../../shared/planner/plan';
import { parseLayout } from '../../shared/planner/validate';
import { releaseHost, selectHost, type HostChoice } from '../host/select-host';
import { readInventory } from '../inventory/read-inventory';
import { formatDiagnostics, formatPlanText } from './format-plan';
import { readPlanFiles } from './read-plan-files';

/** The layout or the machine makes a plan impossible; the message says why. */
export class PlanInputError extends Error {
  override readonly name = 'PlanInputError';
}

interface PlanIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface PlanOptions extends HostChoice {
  json?: boolean;
  example?: string;
  moduleOnly?: boolean;
}

// Long because it is one commander declaration and its action, which picks the layout, the machine
// and the output.
export function addPlanCommand(
  program: Command,
  io: PlanIo,
  hostOptions: (command: Command) => Command,
): void {
  hostOptions(
    program
      .command('plan')
      .description(
        'show every step that would take this machine to LAYOUT.json: argv, file diffs, risks and undo. Nothing runs.\n' +
          "With --example seed, print the seed recipe's layout for this machine instead (a starting point).",
      )
      .argument('[layout]', 'a cohabit-layout/1 JSON file')
      .option('--json', 'print the plan as JSON (format cohabit-plan/1)')
      .option('--example <name>', 'print an example layout for this machine: seed')
      .option(
        '--module-only',
        'write the main system\'s cohabit.nix and show the line to add: no edit of configuration.nix, no nixos-rebuild (the layout\'s host.mainConfiguration = "module-only")',
      ),
  ).action(async (file: string | undefined, opts: PlanOptions) => {
    if (opts.example !== undefined) {
      if (opts.example !== 'seed')
        throw new PlanInputError(`there is no example "${opts.example}"; try --example seed`);
      if (file !== undefined)
        throw new PlanInputError('give either LAYOUT.json or --example, not both');
      const host = await selectHost(opts);
      try {
        const inventory = await readInventory(host);
        io.stdout(`${JSON.stringify(seedLayout(inventory), null, 2)}\n`);
      } finally {
        await releaseHost(host);
      }
      return;
    }
    if (file === undefined)
      throw new PlanInputError(
        'give a layout file (cohabit plan LAYOUT.json), or --example seed to get one',
      );
    const text = await readFile(file, 'utf8').catch((e: unknown) => {
      throw new PlanInputError(`cannot read ${file}: ${errorMessage(e)}`);
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new PlanInputError(`${file} is not JSON: ${errorMessage(e)}`);
    }
    const parsed = parseLayout(json);
    if (!parsed.ok) {
      io.stderr(formatDiagnostics(parsed.diagnostics));
      throw new PlanInputError(`${file} is not a valid layout; nothing was planned`);
    }
    const layout = opts.moduleOnly
      ? {
          ...parsed.layout,
          host: { ...parsed.layout.host, mainConfiguration: 'module-only' as const },
        }
      : parsed.layout;
    const host = await selectHost(opts);
    // Over SSH, the machine's files are read through the same connection as its inventory.
    const { inventory, files } = await (async () => {
      try {
        const inv = await readInventory(host);
        return { inventory: inv, files: await readPlanFiles(host, inv, layout) };
      } finally {
        await releaseHost(host);
      }
    })();
    for (const path of files.notRecorded)
      io.stderr(`note: ${host.description} does not hold ${path}; planned as if it were absent.\n`);
    const result = await plan(inventory, layout, {
      id: randomBytes(8).toString('hex'),
      now: new Date().toISOString(),
      files: files.files,
      dirs: files.dirs,
    });
    const refused = result.diagnostics.some((d) => d.severity === 'error');
    if (opts.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else if (refused) io.stderr(formatDiagnostics(result.diagnostics));
    else io.stdout(formatPlanText(result));
    if (refused)
      throw new PlanInputError(
        `the layout cannot be planned on ${host.description}; nothing was planned`,
      );
  });
}
