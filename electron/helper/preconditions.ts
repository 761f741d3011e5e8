// Preconditions the helper re-derives from the machine itself (it trusts nothing the unprivileged
// side says): checked for the whole plan before the first step, and again right before each step.
import type { Plan, Step } from '../../shared/model/plan';
import { POOL_NAME_RE } from '../../shared/model/names';
import { sha256Hex } from '../../shared/ops/plan-identity';
import { HostError } from '../host/host';
import type { Host } from '../host/host';
import type { ExecHost } from './exec-host';
import { bootOnceProblem } from './boot-once-check';
import { walk } from './link-walk';

/** Where plans mount the systems they install: `<MOUNT_ROOT>/<name>`. */
export const MOUNT_ROOT = '/mnt/cohabit';
export const STATE_DIR = '/var/lib/cohabit';
/** Where file.copySecret may read from: places NixOS users keep initrd key files. */
export const SECRET_SOURCES = ['/etc/secrets', '/etc/nixos', `${STATE_DIR}/secrets`];

/** What the steps before this one made: the up-front check assumes it, the live check records it. */
export class PlanEffects {
  readonly datasets = new Set<string>();
  readonly destroyed = new Set<string>();
  readonly devices = new Set<string>();
  readonly dirs = new Set<string>();
  readonly files = new Set<string>();
  readonly mounts = new Map<string, string>();
  readonly unmounted = new Set<string>();

  record(step: Step): void {
    const c = step.call;
    switch (c.verb) {
      case 'zfs.createDataset':
        this.datasets.add(c.args.dataset);
        break;
      case 'zfs.createVolume':
        this.datasets.add(c.args.dataset);
        this.devices.add(`/dev/zvol/${c.args.dataset}`);
        break;
      case 'zfs.destroyManaged':
        this.destroyed.add(c.args.dataset);
        break;
      case 'disk.partitionEsp':
        this.devices.add(`${c.args.device}-part1`);
        break;
      case 'fs.mkdir':
        this.dirs.add(c.args.path);
        break;
      case 'fs.mount':
        this.mounts.set(c.args.target, c.args.source);
        this.unmounted.delete(c.args.target);
        break;
      case 'fs.unmount':
        this.mounts.delete(c.args.target);
        this.unmounted.add(c.args.target);
        break;
      case 'file.write':
        this.files.add(c.args.path);
        break;
      case 'file.copySecret':
        this.files.add(c.args.target);
        break;
      case 'nixos.generateConfig':
        this.dirs.add(`${c.args.root}/etc/nixos`);
        break;
      default:
        break;
    }
  }

  /** A dataset or zvol this plan created (a device of one counts too). */
  madeDataset(name: string): boolean {
    return [...this.datasets].some((d) => name === d || name.startsWith(`${d}/`));
  }

  /** The mount this plan made that holds path, if any. */
  mountHolding(path: string): string | null {
    for (const target of this.mounts.keys())
      if (path === target || path.startsWith(`${target}/`)) return target;
    return null;
  }
}

const under = (path: string, root: string) => path.startsWith(`${root}/`);

/** Why a file may not be written there, or null. */
export function writeRootProblem(path: string, secret = false): string | null {
  if (under(path, `${STATE_DIR}/journal`) || under(path, `${STATE_DIR}/backups`))
    return `${path} is inside Cohabit's own journal or backups`;
  if (under(path, '/etc/nixos') || under(path, STATE_DIR)) return null;
  const rest = path.startsWith(`${MOUNT_ROOT}/`) ? path.slice(MOUNT_ROOT.length + 1) : null;
  if (rest !== null && /^[^/]+\/(etc\/nixos|boot)\/.+/.test(rest)) return null;
  if (secret && rest !== null && /^[^/]+\/etc\/secrets\/initrd\/[^/]+$/.test(rest)) return null;
  return `${path} is outside the places Cohabit writes files (/etc/nixos, ${MOUNT_ROOT}/<system>/etc/nixos or /boot${secret ? ` or /etc/secrets/initrd` : ''}, ${STATE_DIR})`;
}

async function zfsExists(host: Host, dataset: string): Promise<boolean> {
  const r = await host.run(['zfs', 'list', '-H', '-o', 'name', dataset]);
  return r.exitCode === 0;
}

async function zfsProps(host: Host, dataset: string, props: string[]): Promise<string[]> {
  const r = await host.run(['zfs', 'get', '-H', '-o', 'value', props.join(','), dataset]);
  if (r.exitCode !== 0) return props.map(() => '-');
  return r.stdout.split('\n').slice(0, props.length);
}

/** /proc/mounts as (source, target) pairs, with the kernel's octal escapes undone. */
export async function readMounts(host: Host): Promise<{ source: string; target: string }[]> {
  const bytes = await host.readFile('/proc/mounts');
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return new TextDecoder()
    .decode(bytes)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [source = '', target = ''] = l.split(' ');
      return { source: unescape(source), target: unescape(target) };
    });
}

export type Phase = 'initial' | 'live';

export interface CheckContext {
  plan: Plan;
  host: ExecHost;
  effects: PlanEffects;
  phase: Phase;
}

/** The problem that makes this step unsafe to run, in words naming the step and the rule; null when fine. */
export async function stepProblem(step: Step, ctx: CheckContext): Promise<string | null> {
  const problem = await rawProblem(step, ctx);
  return problem === null ? null : `Step ${step.id} (${step.title}): ${problem}`;
}

// Long because it is one case per verb, each a few checks, so the verbs' rules read side by side.
async function rawProblem(step: Step, ctx: CheckContext): Promise<string | null> {
  const { plan, host, effects, phase } = ctx;
  const live = phase === 'live';
  const pool = plan.pool;
  if (!POOL_NAME_RE.test(pool)) return `the plan names no valid pool (${JSON.stringify(pool)})`;
  const inPool = (ds: string) =>
    ds.startsWith(`${pool}/`) ? null : `${ds} is not inside the pool ${pool} this plan is for`;
  const exists = async (ds: string) =>
    !effects.destroyed.has(ds) && (effects.datasets.has(ds) || (await zfsExists(host, ds)));
  const mounted = async (target: string) => {
    if (effects.mounts.has(target)) return true;
    if (effects.unmounted.has(target) && !live) return false;
    return (await readMounts(host)).some((m) => m.target === target);
  };
  const deviceInUse = async (device: string): Promise<string | null> => {
    if (!live && effects.madeDataset(device.replace(/^\/dev\/zvol\//, '').replace(/-part\d+$/, '')))
      return null;
    let real: string;
    try {
      real = await host.realpath(device);
    } catch (error) {
      if (error instanceof HostError && error.code === 'ENOENT')
        return live ? `${device} does not exist` : null;
      throw error;
    }
    const mounts = await readMounts(host);
    const hit = mounts.find((m) => m.source === device || m.source === real);
    if (hit) return `${device} is mounted on ${hit.target}`;
    const name = real.split('/').pop() ?? '';
    try {
      const holders = await host.readDir(`/sys/class/block/${name}/holders`);
      if (holders.length > 0) return `${device} is in use by ${holders.join(', ')}`;
    } catch (error) {
      if (!(error instanceof HostError && error.code === 'ENOENT')) throw error;
    }
    return null;
  };
  const zvolOf = (device: string) => {
    const ds = device.replace(/^\/dev\/zvol\//, '').replace(/-part\d+$/, '');
    return device.startsWith('/dev/zvol/') ? ds : null;
  };
  const signature = async (device: string): Promise<string | null> => {
    // blkid -p probes the device itself (no cache); exit 2 means it found nothing.
    const r = await host.run(['blkid', '-p', '-o', 'export', device]);
    if (r.exitCode === 2) return null;
    if (r.exitCode !== 0) return `blkid could not probe ${device} (exit ${r.exitCode})`;
    const type = /^(PTTYPE|TYPE)=(.*)$/m.exec(r.stdout);
    return `${device} already holds ${type ? `${type[1] === 'PTTYPE' ? 'a partition table' : 'a filesystem'} (${type[2] ?? ''})` : 'data'}`;
  };
  const mountPath = (path: string) =>
    path === MOUNT_ROOT || under(path, MOUNT_ROOT)
      ? null
      : `${path} is outside the mount root ${MOUNT_ROOT}`;

  const c = step.call;
  switch (c.verb) {
    case 'zfs.createDataset':
    case 'zfs.createVolume': {
      const ds = c.args.dataset;
      const parent = ds.slice(0, ds.lastIndexOf('/'));
      if (inPool(ds)) return inPool(ds);
      if (await exists(ds)) return `the dataset ${ds} already exists`;
      if (!(await exists(parent))) return `the parent dataset ${parent} does not exist`;
      return null;
    }
    case 'zfs.snapshot':
      return (
        inPool(c.args.dataset) ??
        ((await exists(c.args.dataset)) ? null : `${c.args.dataset} does not exist`)
      );
    case 'zfs.setUserProp': {
      const ds = c.args.dataset;
      if (inPool(ds)) return inPool(ds);
      if (c.args.property === 'cohabit:managed' || c.args.property === 'cohabit:journal')
        return `${c.args.property} is stamped only when Cohabit creates a dataset; setting it would let a plan destroy what it did not make`;
      if (!(await exists(ds))) return `${ds} does not exist`;
      if (!live && effects.datasets.has(ds)) return null;
      const [now = '-'] = await zfsProps(host, ds, [c.args.property]);
      const expected = c.args.previous ?? '-';
      return now === expected
        ? null
        : `${c.args.property} on ${ds} is ${now} now, not ${expected} as the plan saw it`;
    }
    case 'zfs.destroyManaged': {
      const ds = c.args.dataset;
      if (inPool(ds)) return inPool(ds);
      if (!live && effects.datasets.has(ds)) return null;
      if (!(await exists(ds))) return `${ds} does not exist`;
      const [managed, journal] = await zfsProps(host, ds, ['cohabit:managed', 'cohabit:journal']);
      if (managed !== 'on' || journal !== plan.id)
        return `${ds} was not created by this plan (cohabit:managed=${managed ?? '-'}, cohabit:journal=${journal ?? '-'}); Cohabit destroys only what the same plan created`;
      return null;
    }
    case 'disk.partitionEsp': {
      const ds = zvolOf(c.args.device);
      if (ds === null || inPool(ds)) return `${c.args.device} is not a zvol in the pool ${pool}`;
      if (!(await exists(ds))) return `the volume ${ds} does not exist`;
      const busy = await deviceInUse(c.args.device);
      if (busy) return busy;
      if (effects.datasets.has(ds)) return null;
      return signature(c.args.device);
    }
    case 'disk.mkfsFat': {
      const ds = zvolOf(c.args.device);
      if (ds === null || inPool(ds)) return `${c.args.device} is not on a zvol in the pool ${pool}`;
      const busy = await deviceInUse(c.args.device);
      if (busy) return busy;
      if (effects.datasets.has(ds)) return null;
      return signature(c.args.device);
    }
    case 'disk.waitForDevice':
      return under(c.args.path, '/dev') ? null : `${c.args.path} is not a device path under /dev`;
    case 'fs.mkdir': {
      const p = mountPath(c.args.path);
      if (p) return p;
      const w = await walk(host, c.args.path);
      if (w.problem) return w.problem;
      if (w.kind !== null || effects.dirs.has(c.args.path)) return `${c.args.path} already exists`;
      return null;
    }
    case 'fs.mount': {
      const { source, target } = c.args;
      const p = mountPath(target);
      if (p) return p;
      if (source.startsWith('/')) {
        const ds = zvolOf(source);
        if (ds === null || inPool(ds)) return `${source} is not on a zvol in the pool ${pool}`;
        const busy = await deviceInUse(source);
        if (busy) return busy;
      } else {
        if (inPool(source)) return inPool(source);
        if (!(await exists(source))) return `${source} does not exist`;
      }
      const w = await walk(host, target);
      if (w.problem) return w.problem;
      if (await mounted(target)) return `${target} is already a mount point`;
      if (w.kind === null)
        return effects.dirs.has(target) ? null : `the mount point ${target} does not exist`;
      if (w.kind !== 'dir') return `${target} is not a directory`;
      const inside =
        live || !effects.mountHolding(target) ? await host.readDir(target).catch(() => []) : [];
      return inside.length === 0 ? null : `the mount point ${target} is not empty`;
    }
    case 'fs.unmount': {
      const p = mountPath(c.args.target);
      if (p) return p;
      return (await mounted(c.args.target)) ? null : `${c.args.target} is not mounted`;
    }
    case 'file.write':
    case 'file.copySecret': {
      const path = c.verb === 'file.write' ? c.args.path : c.args.target;
      const root = writeRootProblem(path, c.verb === 'file.copySecret');
      if (root) return root;
      if (c.verb === 'file.copySecret') {
        if (!SECRET_SOURCES.some((s) => under(c.args.source, s)))
          return `a secret is copied only from ${SECRET_SOURCES.join(', ')}`;
        if ((c.args.mode & 0o077) !== 0) return 'a secret must not be readable by group or others';
        const src = await walk(host, c.args.source);
        if (src.problem) return src.problem;
        if (src.kind !== 'file' && (live || !effects.files.has(c.args.source)))
          return `${c.args.source} is not a regular file`;
      }
      const heldByPlanMount = effects.mountHolding(path);
      if (!live && heldByPlanMount) return null;
      const w = await walk(host, path);
      if (w.problem) return w.problem;
      if (w.kind !== null && w.kind !== 'file') return `${path} is not a regular file`;
      if (c.verb === 'file.copySecret') return null;
      const expected = c.args.previousSha256;
      if (w.kind === null)
        return expected === null || effects.files.has(path)
          ? null
          : `${path} no longer exists (the plan saw it with content)`;
      if (effects.files.has(path) || heldByPlanMount) return null;
      const now = await sha256Hex(await host.readFile(path));
      if (expected === null)
        return `${path} exists now, but the plan was made when it did not: make the plan again`;
      return now === expected
        ? null
        : `${path} changed since the plan was made: make the plan again`;
    }
    case 'nixos.generateConfig':
    case 'nixos.install': {
      const p = mountPath(c.args.root);
      if (p || c.args.root === MOUNT_ROOT) return p ?? `${c.args.root} is the mount root itself`;
      return (await mounted(c.args.root)) ? null : `${c.args.root} is not mounted`;
    }
    case 'nixos.rebuild':
      return null;
    case 'grub.bootOnce':
      return bootOnceProblem(c.args, plan, host);
    case 'libvirt.define': {
      if (!under(c.args.xmlPath, STATE_DIR)) return `the VM definition must come from ${STATE_DIR}`;
      const w = await walk(host, c.args.xmlPath);
      if (w.problem) return w.problem;
      if (w.kind !== 'file' && (live || !effects.files.has(c.args.xmlPath)))
        return `${c.args.xmlPath} does not exist`;
      return null;
    }
  }
}
