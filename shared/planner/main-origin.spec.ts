// The plan's main-system part against what built the running system (issue 18): the demo plans
// the edit and the rebuild without a word; the drifted demo's plan says before anything runs that
// the rebuild will apply the edits too; "write the module only" edits nothing and rebuilds nothing;
// a system built from a flake elsewhere gets nothing under /etc/nixos touched.
import { describe, expect, it } from 'vitest';
import type { Host } from '../../electron/host/host';
import { loadDemoHost } from '../../electron/host/select-host';
import { TOPLEVEL_EVAL_CHANNELS_ARGV } from '../../electron/inventory/nixos-origin';
import { readInventory } from '../../electron/inventory/read-inventory';
import { readPlanFiles } from '../../electron/planner/read-plan-files';
import { DEMO_NIXOS_VERSION, buildDemoMachine } from '../../test/machines/demo-machine';
import { demoOrigin } from '../../test/machines/demo-origin';
import { buildDriftedDemoMachine } from '../../test/machines/drifted-demo-machine';
import { writeNixosOrigin } from '../../test/machines/nixos-origin-files';
import type { Layout } from '../model/layout';
import type { Plan } from '../model/plan';
import { seedLayout } from './examples';
import { DETACHED_MODULE_PATH } from './main-origin';
import { plan } from './plan';

async function planOn(host: Host, change: (l: Layout) => Layout = (l) => l): Promise<Plan> {
  const inventory = await readInventory(host);
  const layout = change(seedLayout(inventory));
  const files = await readPlanFiles(host, inventory, layout);
  return plan(inventory, layout, {
    id: '0123456789abcdef',
    now: '2026-11-28T00:00:00.000Z',
    files: files.files,
    dirs: files.dirs,
  });
}

const moduleOnly = (l: Layout): Layout => ({
  ...l,
  host: { ...l.host, mainConfiguration: 'module-only' },
});
const codes = (p: Plan) => p.diagnostics.map((d) => d.code);
const writes = (p: Plan) =>
  p.steps.flatMap((s) => (s.call.verb === 'file.write' ? [s.call.args.path] : []));
const rebuilds = (p: Plan) => p.steps.some((s) => s.call.verb === 'nixos.rebuild');

describe('the main system and what built it', () => {
  it('plans the edit and the rebuild on the demo machine with no origin warning', async () => {
    const p = await planOn(buildDemoMachine());
    expect(codes(p).filter((c) => c.startsWith('main.'))).toEqual([]);
    expect(writes(p)).toContain('/etc/nixos/configuration.nix');
    expect(rebuilds(p)).toBe(true);
  });

  it('shows the case on the shipped demo machines: edited-config warns, the default demo does not', async () => {
    const edited = await planOn(await loadDemoHost('edited-config'));
    expect(codes(edited)).toContain('main.config-changed');
    const shipped = await planOn(await loadDemoHost());
    expect(codes(shipped).filter((c) => c.startsWith('main.config'))).toEqual([]);
  });

  it('warns, in the words of the issue, before a rebuild on the drifted demo, naming the edited file and its date', async () => {
    const p = await planOn(buildDriftedDemoMachine());
    const d = p.diagnostics.find((x) => x.code === 'main.config-changed');
    expect(d?.severity).toBe('warning');
    expect(d?.message).toBe(
      'The configuration in /etc/nixos has changed since the running system was built (or it is not what builds it); a rebuild will apply those changes too.',
    );
    expect(d?.fix).toContain('/etc/nixos/configuration.nix (2026-11-25 21:13 UTC)');
    expect(d?.fix).toContain('--module-only');
    // The user may still go on knowingly: the edit and the rebuild are planned.
    expect(rebuilds(p)).toBe(true);
  });

  it('writes the module only when the layout says so: no edit of configuration.nix, no rebuild, the line to add', async () => {
    const p = await planOn(buildDriftedDemoMachine(), moduleOnly);
    expect(writes(p).filter((w) => w.startsWith('/etc/nixos/'))).toEqual([
      '/etc/nixos/cohabit.nix',
    ]);
    expect(rebuilds(p)).toBe(false);
    expect(codes(p)).not.toContain('main.config-changed');
    const d = p.diagnostics.find((x) => x.code === 'main.module-only');
    expect(d?.fix).toContain(
      'Add the line ./cohabit.nix to the imports list of /etc/nixos/configuration.nix',
    );
    expect(p.nextSteps[0]).toMatch(/^Before rebooting: add \.\/cohabit\.nix/);
    // The new system's own steps are unchanged.
    expect(p.steps.some((s) => s.call.verb === 'nixos.install')).toBe(true);
  });

  it('says so when configuration.nix already imports the module and only the rebuild is left', async () => {
    const h = buildDemoMachine();
    const config = new TextDecoder().decode(await h.readFile('/etc/nixos/configuration.nix'));
    h.file(
      '/etc/nixos/configuration.nix',
      config.replace(
        './hardware-configuration.nix ]',
        './hardware-configuration.nix ./cohabit.nix ]',
      ),
    );
    const p = await planOn(h, moduleOnly);
    expect(p.diagnostics.find((x) => x.code === 'main.module-only')?.message).toMatch(
      /already imports/,
    );
    expect(p.nextSteps[0]).toMatch(/^Before rebooting: run nixos-rebuild boot/);
  });

  it('edits nothing under /etc/nixos of a system built from a flake elsewhere', async () => {
    const h = buildDemoMachine();
    writeNixosOrigin(h, {
      ...demoOrigin(DEMO_NIXOS_VERSION),
      versionJson: {
        nixosVersion: '25.11.20251118.a1b2c3d',
        configurationRevision: '9f3e2d1c0b4a59687f6e5d4c3b2a1908f7e6d5c4',
      },
      registryNixpkgs: '/nix/store/3k5m7p9r1s3v5x7z9b1d3f5h7j9l1n3q-source',
      evaluation: {
        argv: TOPLEVEL_EVAL_CHANNELS_ARGV,
        outPath:
          '/nix/store/1a3c5f7h9j1l3n5p7r9s1v3x5z7b9d1f-nixos-system-nixos-25.11.3000.0a1b2c3d4f5a',
      },
    });
    const p = await planOn(h);
    expect(writes(p).filter((w) => w.startsWith('/etc/nixos'))).toEqual([]);
    expect(writes(p)).toContain(DETACHED_MODULE_PATH);
    expect(rebuilds(p)).toBe(false);
    const d = p.diagnostics.find((x) => x.code === 'main.flake-elsewhere');
    expect(d?.fix).toContain('add ./cohabit.nix to that host');
    expect(d?.fix).toContain('nixos-rebuild boot --flake <your flake>#atlas');
    expect(d?.fix).toContain('/etc/nix/registry.json pins nixpkgs');
    // The module's text is shown too, to copy.
    expect(d?.fix).toContain('loader.grub.extraEntries');
  });

  it('only notes it when /etc/nixos is the generation already built for the next boot', async () => {
    const next =
      '/nix/store/2b4d6f8h0j2l4n6p8r0s2v4x6z8b0d2f-nixos-system-atlas-25.11.4207.3c2c4d8a1b9e';
    const h = buildDemoMachine();
    const base = demoOrigin(DEMO_NIXOS_VERSION);
    writeNixosOrigin(h, {
      ...base,
      generations: [...base.generations, { n: 43, target: next, at: 1795300000 }],
      current: 43,
      evaluation: { argv: TOPLEVEL_EVAL_CHANNELS_ARGV, outPath: next },
    });
    const p = await planOn(h);
    expect(p.diagnostics.find((x) => x.code === 'main.config-next-boot')?.severity).toBe('info');
    expect(codes(p)).not.toContain('main.config-changed');
    expect(rebuilds(p)).toBe(true);
  });

  it('warns that nothing could be checked when /etc/nixos cannot be evaluated and no date tells', async () => {
    const h = buildDemoMachine();
    h.commandError(TOPLEVEL_EVAL_CHANNELS_ARGV, 'ENOENT');
    const p = await planOn(h);
    const d = p.diagnostics.find((x) => x.code === 'main.config-unchecked');
    expect(d?.severity).toBe('warning');
    expect(d?.fix).toContain('nix-instantiate is not installed');
    expect(rebuilds(p)).toBe(true);
  });
});
