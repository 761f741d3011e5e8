// How long `cohabit` takes from a checkout: from the bundle (what bin/cohabit.mjs runs while
// dist/cli.mjs is up to date) against the TypeScript sources through tsx (what it runs otherwise).
// Each run is a fresh process, as a user's command is; the bundle is built first if stale.
// Alone: `npm run bench -- --only cli-startup`.
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleIsFresh } from '../../bin/cli-freshness.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${ROOT}bin/cohabit.mjs`;

/** What bin/cohabit.mjs does when the bundle is stale, as one `node --input-type=module` script. */
const FROM_SOURCE = `
const { register } = await import('tsx/esm/api');
register();
const cli = await import(${JSON.stringify(pathToFileURL(`${ROOT}electron/cli/main.ts`).href)});
process.exitCode = await cli.runCli(process.argv.slice(1));
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timed(argv: string[]): Promise<number> {
  const start = performance.now();
  await run(process.execPath, argv, { cwd: ROOT, maxBuffer: 1 << 24 });
  return performance.now() - start;
}

export async function benchCliStartup(runs = Number(process.env.BENCH_CLI_RUNS ?? 7)) {
  if (!bundleIsFresh(ROOT)) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  if (!bundleIsFresh(ROOT)) throw new Error('dist/cli.mjs is still not up to date after a build');
  const commands = [['--version'], ['inventory', '--demo']];
  const lines: string[] = [];
  for (const args of commands) {
    const bundled: number[] = [];
    const source: number[] = [];
    // Alternating, so a burst of load on the machine hits both alike.
    for (let i = 0; i < runs; i++) {
      bundled.push(await timed([BIN, ...args]));
      source.push(await timed(['--input-type=module', '-e', FROM_SOURCE, '--', ...args]));
    }
    lines.push(
      `| cohabit ${args.join(' ')} | ${median(bundled).toFixed(0)} ms | ${median(source).toFixed(0)} ms | ${(median(source) / median(bundled)).toFixed(1)}x |`,
    );
  }
  return [
    `\nCLI start from a checkout, median of ${runs} fresh processes each:`,
    '| command | bundle (dist/cli.mjs, up to date) | sources through tsx | ratio |',
    '|---|---|---|---|',
    ...lines,
  ];
}
