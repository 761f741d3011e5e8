// The planner and the root helper agree: the seed plan the planner makes for the demo machine
// passes every precondition the helper re-derives, applies on a fake machine shaped like the demo,
// and a failure at any step rolls the machine back to exactly where it was.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../shared/model/inventory';
import type { Plan } from '../../shared/model/plan';
import { seedLayout } from '../../shared/planner/examples';
import { plan } from '../../shared/planner/plan';
import { specOf } from '../../shared/ops/verbs';
import { loadDemoHost } from '../../electron/host/select-host';
import { readText } from '../../electron/host/host';
import { readInventory } from '../../electron/inventory/read-inventory';
import { readPlanFiles } from '../../electron/planner/read-plan-files';
import { applyPlan } from '../../electron/helper/executor';
import { findUnfinished } from '../../electron/helper/journal';
import { FakeMachine, makeTempDirs } from './fake-machine';

const JOURNAL = '/var/lib/cohabit';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

let inventory: Inventory;
let demoConfiguration: string;
beforeAll(async () => {
  const host = await loadDemoHost();
  inventory = await readInventory(host);
  demoConfiguration = await readText(host, '/etc/nixos/configuration.nix');
});

/** A fake machine with the demo's pool and main-system files. */
async function demoLikeMachine(): Promise<FakeMachine> {
  const base = mkdtempSync(join(tmpdir(), 'cohabit-planned-'));
  dirs.push(base);
  const { root, store } = makeTempDirs(base);
  const m = new FakeMachine(root, store);
  await m.seed({
    '/etc/nixos/configuration.nix': { content: demoConfiguration, mode: 0o644 },
    '/etc/nixos/hardware-configuration.nix': { content: '{ }\n', mode: 0o644 },
    '/etc/secrets/initrd/cryptroot.key': { content: 'k'.repeat(64), mode: 0o400 },
  });
  m.datasets.clear();
  for (const d of inventory.zfs.datasets.filter((x) => x.type !== 'snapshot'))
    m.datasets.set(d.name, { type: d.type === 'volume' ? 'volume' : 'filesystem', props: {} });
  return m;
}

async function seedPlanFor(m: FakeMachine): Promise<Plan> {
  const layout = seedLayout(inventory);
  const files = await readPlanFiles(m, inventory, layout);
  return plan(inventory, layout, {
    id: '00000000c0ffee00',
    now: '2026-11-27T00:00:00Z',
    files: files.files,
    dirs: files.dirs,
  });
}

describe('the planner seed plan through the root helper', () => {
  it('applies on a demo-shaped machine: every precondition holds, every step runs', async () => {
    const m = await demoLikeMachine();
    const p = await seedPlanFor(m);
    expect(p.steps.length).toBeGreaterThan(20);
    const result = await applyPlan(p, { host: m, journalDir: JOURNAL });
    expect(result, JSON.stringify(result)).toMatchObject({ status: 'applied' });
    expect(m.datasets.get('zroot/new-system')?.props).toMatchObject({
      'cohabit:managed': 'on',
      'cohabit:journal': p.id,
    });
    expect(m.domains.has('macos')).toBe(true);
    expect(await readText(m, '/etc/nixos/configuration.nix')).toContain('./cohabit.nix');
  });

  it('a failure at each step leaves the machine exactly as it was', async () => {
    const probe = await seedPlanFor(await demoLikeMachine());
    for (const step of probe.steps) {
      if (step.risk === 'read-only') continue;
      const m = await demoLikeMachine();
      const p = await seedPlanFor(m);
      const before = await m.state();
      const call = p.steps.find((s) => s.id === step.id)?.call;
      if (call === undefined) throw new Error(`no step ${step.id}`);
      const argv = specOf(call, p.id).argv(call.args);
      m.fault = {
        match: call.verb === 'file.write' ? call.args.path : (argv ?? []).join(' '),
        when: 'after',
      };
      const result = await applyPlan(p, { host: m, journalDir: JOURNAL });
      expect(result.status, `${step.id}: ${JSON.stringify(result)}`).toBe('rolled-back');
      expect(result.notUndone, step.id).toEqual([]);
      expect(await m.state(), step.id).toEqual(before);
      expect(await findUnfinished(m, JOURNAL)).toEqual([]);
    }
  }, 120_000);

  it('a volume udev still holds is destroyed on a later try, or with the dataset it sits in', async () => {
    const probe = await seedPlanFor(await demoLikeMachine());
    const esp = probe.steps.find((s) => s.call.verb === 'zfs.createVolume')?.call;
    if (esp?.verb !== 'zfs.createVolume') throw new Error('the seed plan makes no volume');
    const volume = esp.args.dataset;
    const last = probe.steps.filter((s) => s.risk !== 'read-only').at(-1)?.call;
    if (last === undefined) throw new Error('no last step');
    const lastArgv = specOf(last, probe.id).argv(last.args) ?? [];
    const failLast = last.verb === 'file.write' ? last.args.path : lastArgv.join(' ');
    const destroys = (m: FakeMachine) =>
      m.calls.filter((c) => c[0] === 'zfs' && c[1] === 'destroy' && c.includes(volume));

    // Busy for the first try: udev settles, the second try destroys it.
    let m = await demoLikeMachine();
    let before = await m.state();
    m.probing.set(volume, 1);
    m.fault = { match: failLast, when: 'after' };
    let result = await applyPlan(await seedPlanFor(m), { host: m, journalDir: JOURNAL });
    expect(result.status, JSON.stringify(result)).toBe('rolled-back');
    expect(destroys(m)).toHaveLength(2);
    const [first, second] = destroys(m).map((d) => m.calls.indexOf(d));
    expect(
      m.calls.slice(first, second).some((c) => c.join(' ') === 'udevadm settle --timeout=10'),
    ).toBe(true);
    expect(await m.state()).toEqual(before);

    // Busy for every try of its own undo: the destroy -r of the dataset it sits in (made by this
    // plan too) removes it, and the rollback says so.
    m = await demoLikeMachine();
    before = await m.state();
    m.probing.set(volume, 3);
    m.fault = { match: failLast, when: 'after' };
    result = await applyPlan(await seedPlanFor(m), { host: m, journalDir: JOURNAL });
    expect(result.status, JSON.stringify(result)).toBe('rolled-back');
    expect(destroys(m)).toHaveLength(3);
    expect(result.undone.map((u) => u.text).join('\n')).toMatch(
      new RegExp(
        `removed with ${volume.split('/').slice(0, -1).join('/')}, which this rollback destroyed`,
      ),
    );
    expect(await m.state()).toEqual(before);
  }, 60_000);
});
