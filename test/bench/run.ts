// `npm run bench`: inventory time on a large synthetic machine as a ratio to the floor (a script
// that only makes the same reads and runs the same commands, once), and on this machine as a
// ratio to systeminformation's graphics() + blockDevices() + diskLayout(). Each figure comes from
// its own child process (so peak memory is that job's alone), alternating runs, medians reported.
// Timings are noisy: only the ratios, measured in the same run, mean anything.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { LocalHost } from '../../electron/host/local-host';
import { RecordingHost } from '../../electron/host/recording-host';
import { SnapshotHost } from '../../electron/host/snapshot-host';
import type { HostSnapshot } from '../../electron/host/snapshot-format';
import type { Host } from '../../electron/host/host';
import { readInventory } from '../../electron/inventory/read-inventory';
import { buildLargeMachine } from '../machines/large-machine';
import { RootedHost, materializeMachine } from './rooted-host';

const run = promisify(execFile);
const SELF = fileURLToPath(import.meta.url);
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

type Mode = 'floor' | 'inventory' | 'replay-inventory' | 'local-inventory' | 'systeminformation';

interface WorkerResult {
  mode: Mode;
  ms: number[];
  peakRssKiB: number;
}

async function peakRssKiB(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Reads exactly what the snapshot holds, all at once, and parses nothing. */
async function floor(host: Host, snapshot: HostSnapshot): Promise<void> {
  const swallow = (p: Promise<unknown>) => p.catch(() => undefined);
  await Promise.all([
    ...Object.keys(snapshot.files).map((p) => swallow(host.readFile(p))),
    ...Object.keys(snapshot.dirs).map((p) => swallow(host.readDir(p))),
    ...Object.keys(snapshot.links).map((p) => swallow(host.readLink(p))),
    ...Object.keys(snapshot.stats).map((p) => swallow(host.stat(p))),
    ...snapshot.commands.map((c) => swallow(host.run(c.argv))),
  ]);
}

async function worker(mode: Mode, root: string, iterations: number): Promise<WorkerResult> {
  // Only the jobs that need the recorded snapshot load it, so peak memory is the job's own.
  const loadSnapshot = async () =>
    JSON.parse(await readFile(join(root, 'snapshot.json'), 'utf8')) as HostSnapshot;
  const job: () => Promise<unknown> = await (async () => {
    switch (mode) {
      case 'floor': {
        const host = new RootedHost(root);
        const snapshot = await loadSnapshot();
        return () => floor(host, snapshot);
      }
      case 'inventory': {
        const host = new RootedHost(root);
        return () => readInventory(host);
      }
      case 'replay-inventory': {
        const host = new SnapshotHost(await loadSnapshot());
        return () => readInventory(host);
      }
      case 'local-inventory': {
        const host = new LocalHost();
        return () => readInventory(host);
      }
      case 'systeminformation': {
        const si = await import('systeminformation');
        return () => Promise.all([si.graphics(), si.blockDevices(), si.diskLayout()]);
      }
    }
  })();
  await job(); // warm-up: module loading and first-touch caches are not what we measure
  const ms: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await job();
    ms.push(performance.now() - start);
  }
  return { mode, ms, peakRssKiB: await peakRssKiB() };
}

async function inChild(mode: Mode, root: string, iterations: number): Promise<WorkerResult> {
  const { stdout } = await run(
    process.execPath,
    [TSX, SELF, '--worker', mode, root, String(iterations)],
    { maxBuffer: 1 << 24 },
  );
  return JSON.parse(stdout) as WorkerResult;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--worker') {
    const result = await worker(args[1] as Mode, args[2] ?? '', Number(args[3] ?? 5));
    process.stdout.write(JSON.stringify(result));
    return;
  }
  const { benchCliStartup } = await import('./cli-startup');
  if (args[0] === '--only' && args[1] === 'cli-startup') {
    console.log((await benchCliStartup()).join('\n'));
    return;
  }
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 5);
  const root = await mkdtemp(join(tmpdir(), 'cohabit-bench-'));
  try {
    const machine = buildLargeMachine();
    const recorder = new RecordingHost(machine, 'large synthetic machine');
    const inventory = await readInventory(recorder);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(root, 'snapshot.json'), JSON.stringify(recorder.snapshot));
    await materializeMachine(machine, root);
    const size = {
      pci: inventory.pci.length,
      groups: inventory.iommu.groups.length,
      disks: inventory.disks.length,
      datasets: inventory.zfs.datasets.length,
      reads:
        Object.keys(recorder.snapshot.files).length +
        Object.keys(recorder.snapshot.dirs).length +
        Object.keys(recorder.snapshot.links).length,
      commands: recorder.snapshot.commands.length,
    };
    console.log(
      `Large synthetic machine: ${size.pci} PCI devices in ${size.groups} groups, ${size.disks} disks, ${size.datasets} datasets and snapshots; ${size.reads} reads and ${size.commands} commands.`,
    );

    const results: Record<string, WorkerResult[]> = {};
    const modes: Mode[] = [
      'floor',
      'inventory',
      'replay-inventory',
      'local-inventory',
      'systeminformation',
    ];
    for (let r = 0; r < rounds; r++) {
      for (const mode of modes) (results[mode] ??= []).push(await inChild(mode, root, iterations));
    }
    const med = (mode: Mode) => median(results[mode]?.flatMap((x) => x.ms) ?? []);
    const peak = (mode: Mode) => Math.max(...(results[mode]?.map((x) => x.peakRssKiB) ?? [0]));
    const rows = modes.map(
      (m) => `| ${m} | ${med(m).toFixed(1)} ms | ${(peak(m) / 1024).toFixed(0)} MiB |`,
    );
    console.log('\n| job | median time | peak RSS of its process |\n|---|---|---|');
    console.log(rows.join('\n'));
    console.log(
      `\nInventory / floor on the large machine: ${(med('inventory') / med('floor')).toFixed(2)}x (target <= 1.5x)`,
    );
    console.log(
      `Inventory (this machine) / systeminformation graphics+blockDevices+diskLayout (this machine): ${(med('local-inventory') / med('systeminformation')).toFixed(2)}x`,
    );
    console.log(
      `Parsing and assembly alone (in-memory replay of the large machine): ${med('replay-inventory').toFixed(1)} ms`,
    );

    // What the editor does on every edit: validate the layout, and plan it, on the large machine.
    // (Imported here, not at the top: the measuring child processes must not load them.)
    const { seedLayout } = await import('../../shared/planner/examples');
    const { plan } = await import('../../shared/planner/plan');
    const { validate } = await import('../../shared/planner/validate');
    const { initialJsGzipBytes, timeToInteractiveMs } = await import('./ui-bench');
    const layout = seedLayout(inventory);
    const perEdit: number[] = [];
    for (let i = 0; i < 60; i++) {
      const edited = {
        ...layout,
        systems: layout.systems.map((sys) => ({ ...sys, label: `New System ${i}` })),
      };
      const start = performance.now();
      validate(inventory, edited);
      await plan(inventory, edited, {
        id: '0123456789abcdef',
        now: '2026-01-01T00:00:00Z',
        files: {},
      });
      if (i >= 10) perEdit.push(performance.now() - start);
    }
    console.log(
      `Validation plus planning per edit on the large machine: median ${median(perEdit).toFixed(2)} ms over ${perEdit.length} edits (target < 16 ms)`,
    );

    await run('npx', ['vite', 'build', '--logLevel', 'error'], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
    });
    const js = await initialJsGzipBytes();
    console.log(
      `\nInitial JavaScript: ${(js.gzipBytes / 1024).toFixed(1)} KiB gzipped (${(js.rawBytes / 1024).toFixed(1)} KiB raw) in ${js.files.length} file(s) (target <= 200 KB)`,
    );
    const tti = await timeToInteractiveMs(Number(process.env.BENCH_PAGE_RUNS ?? 7));
    console.log(
      `Page load to an interactive machine view (demo, browser mode, headless Chromium): median ${median(tti).toFixed(0)} ms over ${tti.length} runs`,
    );
    console.log((await benchCliStartup()).join('\n'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
