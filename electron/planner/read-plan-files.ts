// Reads, through the Host, the files and directories the planner needs to know about (the main
// system's configuration.nix and cohabit.nix, VM definitions, mount points): I/O kept out of shared/.
import type { Inventory } from '../../shared/model/inventory';
import type { Layout } from '../../shared/model/layout';
import { planInputs } from '../../shared/planner/plan';
import { HostError, readText, type Host } from '../host/host';

export interface PlanFiles {
  files: Record<string, string | null>;
  dirs: Record<string, boolean>;
  /** Paths a recorded snapshot does not hold: planned as if absent, and said so. */
  notRecorded: string[];
}

const ABSENT = new Set(['ENOENT', 'ENOTDIR']);

export async function readPlanFiles(
  host: Host,
  inventory: Inventory,
  layout: Layout,
  mountRoot?: string,
): Promise<PlanFiles> {
  const wanted = planInputs(inventory, layout, mountRoot);
  const out: PlanFiles = { files: {}, dirs: {}, notRecorded: [] };
  for (const path of wanted.files) {
    try {
      out.files[path] = await readText(host, path, 1024 * 1024);
    } catch (error) {
      if (!(error instanceof HostError)) throw error;
      if (ABSENT.has(error.code)) out.files[path] = null;
      else if (error.code === 'NOT_RECORDED') {
        out.files[path] = null;
        out.notRecorded.push(path);
      } else throw error;
    }
  }
  for (const path of wanted.dirs) {
    try {
      out.dirs[path] = (await host.stat(path)).kind === 'dir';
    } catch (error) {
      if (!(error instanceof HostError)) throw error;
      if (ABSENT.has(error.code)) out.dirs[path] = false;
      else if (error.code === 'NOT_RECORDED') {
        out.dirs[path] = false;
        out.notRecorded.push(path);
      } else throw error;
    }
  }
  return out;
}
