// How the lab plans for its guest, one copy for the apply lab and the boot proof: the guest's real
// storage and devices with the main system's OS and boot facts from the demo NixOS machine (the
// guest is Debian, and the planner plans only for a NixOS main system that boots with GRUB), and
// the seed layout cut down to one system in a dataset the test names.
import type { Host } from '../../electron/host/host';
import { loadDemoHost } from '../../electron/host/select-host';
import { readInventory } from '../../electron/inventory/read-inventory';
import { readPlanFiles } from '../../electron/planner/read-plan-files';
import type { Inventory } from '../../shared/model/inventory';
import type { Layout } from '../../shared/model/layout';
import type { Plan } from '../../shared/model/plan';
import { seedLayout } from '../../shared/planner/examples';
import { plan } from '../../shared/planner/plan';
import { isStorageStep } from './storage-steps';

export type PlanFiles = Awaited<ReturnType<typeof readPlanFiles>>;

let demoCache: Promise<Inventory> | undefined;

/** The demo NixOS machine's inventory, read once per spec file. */
export function demoInventory(): Promise<Inventory> {
  demoCache ??= loadDemoHost().then((demo) => readInventory(demo));
  return demoCache;
}

/** The guest's storage and devices, with the demo NixOS machine's OS and boot facts. */
export async function nixosLikeInventory(host: Host): Promise<Inventory> {
  const demo = await demoInventory();
  const real = await readInventory(host);
  return { ...real, os: demo.os, boot: demo.boot };
}

/** The seed layout with its system in `dataset` and nothing else: its 128 GiB VM volume does not fit a lab pool. */
export function labLayout(inventory: Inventory, dataset: string): Layout {
  const seed = seedLayout(inventory);
  return {
    ...seed,
    systems: seed.systems.map((s) => ({ ...s, dataset })),
    volumes: [],
    vms: [],
  };
}

/**
 * The plan for `labLayout` against `inventory` as the app would make it (the files it edits read
 * from the guest, unless `known` already holds them), and its storage and boot steps alone.
 */
export async function planForLab(
  host: Host,
  inventory: Inventory,
  id: string,
  dataset: string,
  known?: PlanFiles,
): Promise<{ full: Plan; storage: Plan; files: PlanFiles }> {
  const layout = labLayout(inventory, dataset);
  const files = known ?? (await readPlanFiles(host, inventory, layout));
  const full = await plan(inventory, layout, {
    id,
    now: new Date().toISOString(),
    files: files.files,
    dirs: files.dirs,
  });
  return { full, storage: { ...full, steps: full.steps.filter(isStorageStep) }, files };
}
