// plan(inventory, layout, context): the Steps that take this machine to the layout, each one verb
// with its preview and undo. Whatever is already realised is skipped, so a plan for a realised
// layout is empty; a layout with an error-severity diagnostic gets no steps at all.
import { ParseError } from '../model/errors';
import { parseProcMounts, type MountEntry } from '../parse/mounts';
import type { Inventory } from '../model/inventory';
import type { Layout } from '../model/layout';
import { PLAN_FORMAT, type Plan } from '../model/plan';
import { bootOnceOffer, type BootOnceEntry } from './boot-once';
import { mainSystemMode } from './main-origin';
import { planMain } from './plan-main';
import {
  DEFAULT_MOUNT_ROOT,
  VM_XML_DIR,
  findDataset,
  grubEntryId,
  isManaged,
  mainConfigurationPath,
  mainModulePath,
  systemMountPoint,
  systemName,
  vmXmlPath,
} from './planner-paths';
import { canonicalJson, sha256Hex } from '../ops/plan-identity';
import { StepList } from './step-list';
import { isUnfinishedInstall, planSystem } from './system-plan';
import type { SystemPlanContext } from './system-plan';
import { validate } from './validate';
import { planVms, vfioInput } from './vm-plan';

export interface PlanContext {
  /** 16 hex digits; stamped as cohabit:journal on what the plan creates. */
  id: string;
  /** ISO time of planning. */
  now: string;
  /** Current content of each file the plan reads or writes (see planInputs); null = absent. */
  files: Record<string, string | null>;
  /** Whether each directory planInputs lists exists; a directory not listed counts as absent. */
  dirs?: Record<string, boolean>;
  mountRoot?: string;
}

/** The files and directories plan() needs to know about, for the side that reads the machine. */
export function planInputs(
  inventory: Inventory,
  layout: Layout,
  mountRoot = DEFAULT_MOUNT_ROOT,
): { files: string[]; dirs: string[] } {
  const files = [
    mainConfigurationPath(inventory),
    mainModulePath(inventory),
    mainSystemMode(inventory, layout).modulePath,
  ];
  for (const vm of layout.vms) files.push(vmXmlPath(vm.name));
  const dirs = [...ancestors(mountRoot), mountRoot];
  for (const s of layout.systems) {
    const root = systemMountPoint(mountRoot, systemName(s));
    dirs.push(root);
    // An install that did not finish left a dataset: what survived inside it is looked at, where
    // Cohabit mounts it (/proc/mounts says whether it is mounted there now).
    if (isUnfinishedInstall(inventory, s)) {
      files.push(PROC_MOUNTS, ...innerFiles(root));
      dirs.push(...innerDirs(root));
    }
  }
  dirs.push(...ancestors(VM_XML_DIR), VM_XML_DIR);
  return { files: [...new Set(files)], dirs: [...new Set(dirs)] };
}

const PROC_MOUNTS = '/proc/mounts';
const innerDirs = (root: string) => [`${root}/efi`, `${root}/etc`, `${root}/etc/nixos`];
const innerFiles = (root: string) => [
  `${root}/etc/nixos/configuration.nix`,
  `${root}/etc/nixos/cohabit.nix`,
];

/** Where /proc/mounts says each target is mounted from; empty when it could not be read. */
function mountsByTarget(text: string | null | undefined): Map<string, MountEntry> {
  if (text === null || text === undefined) return new Map();
  try {
    return new Map(parseProcMounts(text).map((m) => [m.target, m]));
  } catch (error) {
    if (error instanceof ParseError) return new Map();
    throw error;
  }
}

// Every NixOS system has these; asking a recorded snapshot about them would only add noise.
const ALWAYS_PRESENT = new Set(['/var', '/var/lib']);

function ancestors(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  return parts
    .slice(0, -1)
    .map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)
    .filter((dir) => !ALWAYS_PRESENT.has(dir));
}

/**
 * The SHA-256 of every file content the plan may replace (all of them come from context.files),
 * taken once with Web Crypto before planning, so that the builder stays synchronous: each
 * file.write carries the hash of what it replaces, which the helper compares before writing.
 */
async function previousHashes(files: PlanContext['files']): Promise<Map<string, string>> {
  const contents = [...new Set(Object.values(files))].filter((c): c is string => c !== null);
  return new Map(await Promise.all(contents.map(async (c) => [c, await sha256Hex(c)] as const)));
}

/**
 * Async only for its hashes (Web Crypto's digest, the one SHA-256 of shared/ops/plan-identity.ts,
 * is async); everything else is computed from the arguments alone. The plan's parts in the order
 * they run: systems (system-plan.ts), volumes, the main system (plan-main.ts), VMs (vm-plan.ts).
 */
export async function plan(
  inventory: Inventory,
  layout: Layout,
  context: PlanContext,
): Promise<Plan> {
  const diagnostics = validate(inventory, layout);
  const base = {
    format: PLAN_FORMAT,
    id: context.id,
    createdAt: context.now,
    pool: layout.pool,
    layoutSha256: await sha256Hex(canonicalJson(layout)),
  } as const;
  if (diagnostics.some((d) => d.severity === 'error'))
    return { ...base, steps: [], diagnostics, nextSteps: [] };

  const list = new StepList(context.id, await previousHashes(context.files));
  const mountRoot = context.mountRoot ?? DEFAULT_MOUNT_ROOT;
  const dirs = { ...(context.dirs ?? {}) };
  const mkdirs = (path: string, element: string) => {
    for (const dir of [...ancestors(path), path]) {
      if (dirs[dir] === true) continue;
      list.add('fs.mkdir', { path: dir, mode: 0o755 }, `Create the directory ${dir}`, {
        element,
        text: `${path} must exist first.`,
      });
      dirs[dir] = true;
    }
  };
  const nextSteps: string[] = [];

  const systems: SystemPlanContext = {
    inventory,
    list,
    mountRoot,
    mkdirs,
    survived: { mounts: mountsByTarget(context.files[PROC_MOUNTS]), files: context.files, dirs },
    diagnostics,
  };
  const menuEntries: BootOnceEntry[] = [];
  layout.systems.forEach((system, i) => {
    if (planSystem(systems, system, `systems[${i}]`)) {
      nextSteps.push(
        `Reboot and choose "${system.label}" in the GRUB menu, then log in as ${system.user.name}.`,
      );
      menuEntries.push({ entryId: grubEntryId(system), label: system.label });
    }
  });

  planVolumes(inventory, layout, list);

  const vfio = vfioInput(inventory, layout);
  planMain(inventory, layout, vfio, {
    files: context.files,
    list,
    diagnostics,
    mkdirs,
    nextSteps,
  });

  planVms(inventory, layout, { files: context.files, list, diagnostics, mkdirs, nextSteps });

  if (list.steps.some((s) => s.call.verb === 'nixos.rebuild'))
    nextSteps.unshift('Reboot: the main system boots the new generation with the changes above.');
  return {
    ...base,
    steps: list.steps,
    diagnostics,
    nextSteps: [...new Set(nextSteps)],
    ...(menuEntries.length > 0 ? { bootOnce: bootOnceOffer(inventory, menuEntries) } : {}),
  };
}

/** Each VM disk of the layout that the pool does not have yet, as a volume Cohabit owns. */
function planVolumes(inventory: Inventory, layout: Layout, list: StepList): void {
  layout.volumes.forEach((vol, i) => {
    const existing = findDataset(inventory, vol.dataset);
    if (existing !== undefined && isManaged(existing, 'vm-volume')) return;
    list.add(
      'zfs.createVolume',
      {
        dataset: vol.dataset,
        sizeBytes: vol.sizeBytes,
        volblocksizeBytes: vol.volblocksizeBytes,
        sparse: vol.provisioning === 'sparse',
        compression: vol.compression,
        role: 'vm-volume',
        system: vol.id,
      },
      `Create the ${vol.provisioning} volume ${vol.dataset}`,
      { element: `volumes[${i}]`, text: `The VM disk ${vol.id} of the layout.` },
    );
  });
}
