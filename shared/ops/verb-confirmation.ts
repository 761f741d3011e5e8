// What the admin confirms before a plan runs, made only from the verbs the helper will run: each
// step's risk recomputed from its verb, its action in words built from the verb's arguments, the
// exact argv, and for a file its path, mode, size and SHA-256. A plan file from elsewhere is the
// attacker (DESIGN.md section 8): its titles are free text and are shown only as the plan's own
// words, made visible, under the line that says what really runs.
import { shellQuote } from '../emit/shell-quote';
import type { Plan, Step } from '../model/plan';
import { visibleText } from '../model/visible-text';
import { sha256Hex } from './plan-identity';
import { verbSpecs } from './verbs';
import type { Risk, Verb, VerbCall, VerbSpec } from './verbs';

/** Risk needs no journal id (only argv carries it); any well-formed id gives the same answer. */
const ANY_JOURNAL = '0000000000000000';

/** The risk of a call from its verb and arguments alone, never from the plan's `risk` field. */
export function riskOfVerb(call: VerbCall): Risk {
  const spec = verbSpecs(ANY_JOURNAL)[call.verb] as VerbSpec<Verb>;
  return spec.risk(call.args);
}

/** The argv the helper builds for the call, or null for a verb it performs itself (file.write). */
export function argvOfVerb(call: VerbCall, journal: string): string[] | null {
  const spec = verbSpecs(journal)[call.verb] as VerbSpec<Verb>;
  return spec.argv(call.args);
}

/** A mode as `0644 (rw-r--r--)`, saying so when group or others may write. */
export function modeText(mode: number): string {
  const octal = `0${mode.toString(8).padStart(3, '0')}`;
  const rwx = [6, 3, 0]
    .map((shift) => {
      const bits = (mode >> shift) & 7;
      return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
    })
    .join('');
  return `${octal} (${rwx}${mode & 0o022 ? ': group or others can write it' : ''})`;
}

export interface FileFacts {
  path: string;
  mode: number;
  /** UTF-8 bytes written: what the helper writes (executor.ts encodes the content so). */
  bytes: number;
  sha256: string;
  /** The file's hash as the plan saw it; null for a new file. The helper refuses any other. */
  previousSha256: string | null;
}

export interface StepConfirmation {
  id: string;
  verb: Verb;
  risk: Risk;
  /** What runs, in words built from the verb's arguments: "write /etc/nixos/flake.nix". */
  action: string;
  /** The command the helper runs, quoted for a shell; null when the helper writes a file itself. */
  command: string | null;
  file: FileFacts | null;
  /** The plan's own title, made visible: orientation only, never the account of what runs. */
  planTitle: string;
}

const opts = (options: readonly string[]) => (options.length > 0 ? ` -o ${options.join(',')}` : '');

/**
 * One action per verb, from its arguments only. The arguments passed the verb's schema (safe
 * paths, dataset names, plain words), and are made visible once more when shown.
 */
export function actionOfVerb(call: VerbCall): string {
  switch (call.verb) {
    case 'zfs.createDataset':
      return `create the dataset ${call.args.dataset}`;
    case 'zfs.createVolume':
      return `create the ${call.args.sparse ? 'sparse ' : ''}volume ${call.args.dataset} of ${call.args.sizeBytes} bytes`;
    case 'zfs.snapshot':
      return `snapshot ${call.args.dataset}@${call.args.snapshot}`;
    case 'zfs.setUserProp':
      return `set ${call.args.property}=${call.args.value} on ${call.args.dataset}`;
    case 'zfs.destroyManaged':
      return `DESTROY the dataset ${call.args.dataset} and everything under it`;
    case 'disk.partitionEsp':
      return `write a new partition table with one EFI partition on ${call.args.device}`;
    case 'disk.waitForDevice':
      return `wait up to ${call.args.timeoutSeconds} s for ${call.args.path}`;
    case 'disk.mkfsFat':
      return `make a FAT file system labelled ${call.args.label} on ${call.args.device}`;
    case 'fs.mkdir':
      return `make the directory ${call.args.path}, mode ${modeText(call.args.mode)}`;
    case 'fs.mount':
      return `mount ${call.args.source} (${call.args.fstype}${opts(call.args.options)}) on ${call.args.target}`;
    case 'fs.unmount':
      return `unmount ${call.args.target} (${call.args.source})`;
    case 'file.write':
      return `write ${call.args.path}`;
    case 'file.copySecret':
      return `copy the secret ${call.args.source} to ${call.args.target}, mode ${modeText(call.args.mode)}`;
    case 'nixos.generateConfig':
      return `generate a hardware configuration under ${call.args.root}`;
    case 'nixos.install':
      return `install NixOS into ${call.args.root}`;
    case 'nixos.rebuild':
      return `rebuild this machine's NixOS (nixos-rebuild ${call.args.action})`;
    case 'libvirt.define':
      return `define the VM ${call.args.name} from ${call.args.xmlPath}`;
    case 'grub.bootOnce':
      return `make GRUB start ${call.args.entryId} once at the next boot (next_entry in ${call.args.envFile})`;
  }
}

/** What one step will do, from its verb; `journal` is the plan id the helper stamps. */
export async function confirmStep(step: Step, journal: string): Promise<StepConfirmation> {
  const call = step.call;
  const argv = argvOfVerb(call, journal);
  const file =
    call.verb === 'file.write'
      ? {
          path: call.args.path,
          mode: call.args.mode,
          bytes: new TextEncoder().encode(call.args.content).length,
          sha256: await sha256Hex(call.args.content),
          previousSha256: call.args.previousSha256,
        }
      : null;
  return {
    id: step.id,
    verb: call.verb,
    risk: riskOfVerb(call),
    action: visibleText(actionOfVerb(call)),
    command: argv === null ? null : visibleText(shellQuote(argv)),
    file,
    planTitle: visibleText(step.title),
  };
}

/** Every step of the plan, in order, as the admin confirms it. */
export function confirmPlan(plan: Pick<Plan, 'id' | 'steps'>): Promise<StepConfirmation[]> {
  return Promise.all(plan.steps.map((s) => confirmStep(s, plan.id)));
}

/** The file facts in one line: mode, size, content hash, and what it replaces. */
export function fileFactsLines(file: FileFacts): string[] {
  return [
    `mode ${modeText(file.mode)}, ${file.bytes} bytes, sha256 ${file.sha256}`,
    file.previousSha256 === null
      ? 'a new file (the helper refuses if one exists by then)'
      : `replaces the file whose sha256 is ${file.previousSha256}`,
  ];
}

/**
 * A step as terminal lines: the verb-derived line first, then the argv or the file facts, then the
 * plan's title, quoted and labelled as the plan's words. Every string in it is made visible.
 */
export function confirmationLines(c: StepConfirmation): string[] {
  const detail =
    c.file !== null ? fileFactsLines(c.file) : c.command !== null ? [`# ${c.command}`] : [];
  return [
    `${c.id} [${c.risk}] ${c.action}`,
    ...detail.map((line) => `      ${line}`),
    `      the plan calls it: “${c.planTitle}”`,
  ];
}
