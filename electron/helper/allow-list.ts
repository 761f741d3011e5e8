// What the root helper allows, beyond each verb's preconditions: only what Cohabit's own planner
// emits (issue 13). A plan file can come from anywhere; the helper runs as root; so a well-formed
// plan that asks for more than Cohabit ever plans (a new /etc/nixos/flake.nix at 0666, another
// plan's id, a mount of someone else's dataset) is refused, each time naming a stable rule id.
// The list of files is read off the planner (shared/planner/plan.ts, plan-main.ts, main-origin.ts,
// planner-paths.ts); docs/decisions.md says why each rule is what it is.
import type { Plan, Step } from '../../shared/model/plan';
import { addImport } from '../../shared/planner/nix-imports';
import { IMPORT_LINE, MODULE_FILE_NAME } from '../../shared/planner/planner-paths';
import { HostError } from '../host/host';
import { journalPath } from './journal';
import type { CheckContext } from './preconditions';
import { MOUNT_ROOT, STATE_DIR } from './preconditions';
import { sha256Hex } from '../../shared/ops/plan-identity';
import { stateDirProblem } from './state-dirs';
import type { ExecHost } from './exec-host';

/** The rule ids, stable: users and tests grep for them. */
export const RULES = {
  fileMode: 'helper.file-mode',
  secretMode: 'helper.secret-mode',
  dirMode: 'helper.dir-mode',
  filePath: 'helper.file-path',
  configEdit: 'helper.config-edit',
  planId: 'helper.plan-id-reused',
  mountSource: 'helper.mount-source',
  mountOptions: 'helper.mount-options',
  destroyOwn: 'helper.destroy-own',
} as const;
export type Rule = (typeof RULES)[keyof typeof RULES];

const rule = (id: Rule, text: string) => `rule ${id}: ${text}`;
const octal = (mode: number) => mode.toString(8).padStart(4, '0');

/** Files are written at most rw-r--r--; secrets at most rw-------; directories at most rwxr-xr-x. */
export const MAX_FILE_MODE = 0o644;
export const MAX_SECRET_MODE = 0o600;
export const MAX_DIR_MODE = 0o755;

const NAME = '[A-Za-z0-9][A-Za-z0-9_.:+@-]*';
/** The files a plan may create or replace whole, as the planner names them. */
const WRITABLE: { re: RegExp; what: string }[] = [
  {
    re: new RegExp(`^/etc/nixos/(?:${NAME}/)*${MODULE_FILE_NAME.replace('.', '\\.')}$`),
    what: 'cohabit.nix beside your configuration.nix',
  },
  { re: new RegExp(`^${STATE_DIR}/cohabit\\.nix$`), what: `${STATE_DIR}/cohabit.nix` },
  {
    re: new RegExp(`^${STATE_DIR}/vms/[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\\.xml$`),
    what: `a VM definition in ${STATE_DIR}/vms`,
  },
  {
    re: new RegExp(`^${MOUNT_ROOT}/${NAME}/etc/nixos/(?:configuration|cohabit)\\.nix$`),
    what: `a new system's configuration.nix or cohabit.nix under ${MOUNT_ROOT}`,
  },
];
const SECRET_TARGET = new RegExp(`^${MOUNT_ROOT}/${NAME}/etc/secrets/initrd/${NAME}$`);
/** The one file a plan may edit in place: a .nix file under /etc/nixos, by one import line. */
const CONFIG_FILE = new RegExp(`^/etc/nixos/(?:${NAME}/)*${NAME}\\.nix$`);
const VM_XML = new RegExp(`^${STATE_DIR}/vms/[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\\.xml$`);

/** Mount options a plan may add to the nosuid,nodev every mount gets (fs.mount's argv). */
const MOUNT_OPTIONS = new Set(['nosuid', 'nodev', 'noexec', 'noatime', 'relatime', 'ro', 'rw']);
const MASK_OPTION = /^(umask|fmask|dmask)=0?[0-7]{3}$/;

export function mountOptionProblem(options: readonly string[]): string | null {
  const bad = options.filter((o) => !MOUNT_OPTIONS.has(o) && !MASK_OPTION.test(o));
  return bad.length === 0
    ? null
    : rule(
        RULES.mountOptions,
        `mount option${bad.length > 1 ? 's' : ''} ${bad.join(', ')} ${bad.length > 1 ? 'are' : 'is'} not allowed; Cohabit mounts with nosuid,nodev and allows only ${[...MOUNT_OPTIONS].join(', ')} and umask/fmask/dmask`,
      );
}

const zvolDataset = (device: string): string | null =>
  device.startsWith('/dev/zvol/')
    ? device.replace(/^\/dev\/zvol\//, '').replace(/-part\d+$/, '')
    : null;

async function userProps(host: ExecHost, dataset: string): Promise<Record<string, string>> {
  const names = ['cohabit:managed', 'cohabit:role'];
  const r = await host.run(['zfs', 'get', '-H', '-o', 'value', names.join(','), dataset]);
  if (r.exitCode !== 0) return {};
  const values = r.stdout.split('\n');
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '-']));
}

/**
 * A mount's source must be a dataset (or a zvol's partition) this plan created, or one stamped as
 * Cohabit's in the role the planner mounts it in (an install that did not finish, planned again).
 */
async function mountSourceProblem(
  source: string,
  fstype: string,
  ctx: CheckContext,
): Promise<string | null> {
  const dataset = source.startsWith('/') ? zvolDataset(source) : source;
  const role = fstype === 'vfat' ? 'system-esp' : 'system';
  if (dataset === null)
    return rule(RULES.mountSource, `${source} is not a dataset or a zvol of the pool`);
  if (ctx.effects.datasets.has(dataset) && !ctx.effects.destroyed.has(dataset)) return null;
  const props = await userProps(ctx.host, dataset);
  if (props['cohabit:managed'] === 'on' && props['cohabit:role'] === role) return null;
  return rule(
    RULES.mountSource,
    `${dataset} was neither created by this plan nor made by Cohabit as a ${role} (cohabit:managed=${props['cohabit:managed'] ?? '-'}, cohabit:role=${props['cohabit:role'] ?? '-'}); Cohabit mounts only its own datasets`,
  );
}

/** The edit of the main configuration: exactly the import line the planner adds, nothing else. */
async function configEditProblem(
  path: string,
  content: string,
  ctx: CheckContext,
): Promise<string | null> {
  if (ctx.effects.files.has(path))
    return rule(RULES.configEdit, `${path} is edited twice in one plan`);
  let current: string;
  try {
    current = new TextDecoder().decode(await ctx.host.readFile(path));
  } catch (error) {
    if (error instanceof HostError && error.code === 'ENOENT')
      return rule(RULES.configEdit, `${path} does not exist, and Cohabit creates no file there`);
    throw error;
  }
  const edit = addImport(current, IMPORT_LINE);
  if (edit.kind === 'added' && edit.text === content) return null;
  return rule(
    RULES.configEdit,
    `the new ${path} is not the file as it is with ${IMPORT_LINE} added to its imports; Cohabit changes nothing else in it (${(await sha256Hex(content)).slice(0, 12)}…)`,
  );
}

function filePathProblem(path: string): string {
  return rule(
    RULES.filePath,
    `${path} is not a file Cohabit writes (it writes ${WRITABLE.map((w) => w.what).join(', ')}, and adds ${IMPORT_LINE} to the imports of your configuration)`,
  );
}

/** What the mount root and state directories must be before a step uses them. */
async function dirProblem(path: string, ctx: CheckContext): Promise<string | null> {
  if (path === MOUNT_ROOT || path.startsWith(`${MOUNT_ROOT}/`))
    return stateDirProblem(ctx.host, path, MOUNT_ROOT);
  if (path.startsWith(`${STATE_DIR}/`)) return stateDirProblem(ctx.host, path, STATE_DIR);
  return null;
}

const parentOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';

/**
 * The rules a step breaks that need nothing from the machine: modes, paths, mount options. A
 * configuration edit is only recognised here (`configEdit`); what it changes is checked against
 * the file by allowListProblems.
 */
export function staticRuleProblems(step: Step): { problems: string[]; configEdit: boolean } {
  const c = step.call;
  const problems: (string | null)[] = [];
  let configEdit = false;
  const modeRule = (id: Rule, path: string, mode: number, max: number, what: string) =>
    (mode & ~max) === 0
      ? null
      : rule(id, `${path} would get mode ${octal(mode)}; ${what} at most ${octal(max)}`);
  switch (c.verb) {
    case 'file.write': {
      const { path } = c.args;
      problems.push(
        modeRule(
          RULES.fileMode,
          path,
          c.args.mode,
          MAX_FILE_MODE,
          'Cohabit writes files (no execute, set-id or sticky bit, nothing writable by group or others)',
        ),
      );
      if (!WRITABLE.some((w) => w.re.test(path))) {
        configEdit = CONFIG_FILE.test(path) && c.args.previousSha256 !== null;
        if (!configEdit) problems.push(filePathProblem(path));
      }
      break;
    }
    case 'file.copySecret':
      problems.push(
        modeRule(RULES.secretMode, c.args.target, c.args.mode, MAX_SECRET_MODE, 'a secret is'),
      );
      if (!SECRET_TARGET.test(c.args.target)) problems.push(filePathProblem(c.args.target));
      break;
    case 'fs.mkdir':
      problems.push(
        modeRule(
          RULES.dirMode,
          c.args.path,
          c.args.mode,
          MAX_DIR_MODE,
          'Cohabit makes directories',
        ),
      );
      break;
    case 'fs.mount':
    case 'fs.unmount':
      // An unmount's undo mounts again with its options.
      problems.push(mountOptionProblem(c.args.options));
      break;
    case 'libvirt.define':
      if (!VM_XML.test(c.args.xmlPath)) problems.push(filePathProblem(c.args.xmlPath));
      break;
    default:
      break;
  }
  return { problems: problems.filter((p): p is string => p !== null), configEdit };
}

/** The directory a step works in, which must be safe to use (state-dirs.ts). */
function workDir(step: Step): string | null {
  const c = step.call;
  switch (c.verb) {
    case 'file.write':
      return parentOf(c.args.path);
    case 'file.copySecret':
      return parentOf(c.args.target);
    case 'fs.mkdir':
      return c.args.path;
    case 'fs.mount':
      return c.args.target;
    case 'nixos.generateConfig':
    case 'nixos.install':
      return c.args.root;
    case 'libvirt.define':
      return parentOf(c.args.xmlPath);
    default:
      return null;
  }
}

/**
 * Every rule this step breaks, in words naming each rule; [] when it keeps them all. Checked with
 * the preconditions, before the whole plan and again right before the step.
 */
export async function allowListProblems(step: Step, ctx: CheckContext): Promise<string[]> {
  const c = step.call;
  const fixed = staticRuleProblems(step);
  const problems: (string | null)[] = [...fixed.problems];
  if (fixed.configEdit && c.verb === 'file.write')
    problems.push(await configEditProblem(c.args.path, c.args.content, ctx));
  if (c.verb === 'fs.mount')
    problems.push(await mountSourceProblem(c.args.source, c.args.fstype, ctx));
  // The planner never destroys; a plan may only take back what an earlier step of it made.
  if (c.verb === 'zfs.destroyManaged' && !ctx.effects.datasets.has(c.args.dataset))
    problems.push(
      rule(
        RULES.destroyOwn,
        `${c.args.dataset} was not created by an earlier step of this plan, and a plan destroys nothing else`,
      ),
    );
  const dir = workDir(step);
  if (dir !== null) problems.push(await dirProblem(dir, ctx));
  return problems.filter((p): p is string => p !== null);
}

/**
 * Rules about the plan as a whole: its id was never journaled here (a second run of an id could
 * destroy what the first made, as datasets are stamped with it), and the journal directory is
 * safe to use. A dry run without root may not see the journal: then that check is left to the
 * real run.
 */
export async function planAllowProblems(
  plan: Plan,
  host: ExecHost,
  journalDir: string,
): Promise<string[]> {
  const problems: string[] = [];
  const dirs = await stateDirProblem(host, `${journalDir}/journal`, journalDir);
  if (dirs !== null) problems.push(dirs);
  for (const path of [journalPath(journalDir, plan.id), `${journalDir}/backups/${plan.id}`]) {
    const seen = await host.stat(path).then(
      () => true,
      (error: unknown) => {
        if (error instanceof HostError && (error.code === 'ENOENT' || error.code === 'EACCES'))
          return false;
        throw error;
      },
    );
    if (seen) {
      problems.push(
        rule(
          RULES.planId,
          `plan ${plan.id} already ran on this machine (${path} exists); a plan id is used once, so that a plan can only ever destroy what it made itself: make the plan again`,
        ),
      );
      break;
    }
  }
  return problems;
}
