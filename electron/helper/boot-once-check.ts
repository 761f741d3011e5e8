// The root helper's own check before it sets GRUB's next_entry (verb grub.bootOnce, issue 16). It
// trusts nothing the plan says about the machine and looks again as root: the entry is one of
// Cohabit's and one the plan itself offered, the menu GRUB reads beside that grubenv has it, and
// the grubenv is a real 1024-byte environment block, reached without links, on a filesystem GRUB
// writes back to (else the choice would never be cleared and every boot would go to the new system).
import { GRUB_WRITABLE_FS, mountHolding } from '../../shared/analysis/boot-once';
import type { Plan } from '../../shared/model/plan';
import { COHABIT_ENTRY_ID_RE, GRUBENV_FILE_RE } from '../../shared/ops/boot-once-args';
import type { VerbArgs } from '../../shared/ops/verbs';
import { parseProcMounts } from '../../shared/parse/mounts';
import { HostError } from '../host/host';
import type { Host } from '../host/host';

/** GRUB_ENVBLK_SIGNATURE (include/grub/lib/envblk.h); grub-editenv refuses a file without it too. */
const ENVBLK_SIGNATURE = '# GRUB Environment Block\n';
/** The size grub-install and grub-editenv give the block (DEFAULT_ENVBLK_SIZE). */
const ENVBLK_SIZE = 1024;

async function lstatKind(host: Host, path: string): Promise<string | null> {
  try {
    return (await host.stat(path)).kind;
  } catch (error) {
    if (error instanceof HostError && error.code === 'ENOENT') return null;
    throw error;
  }
}

/** The menu entry ids a grub.cfg defines with `--id '<id>'` (the form Cohabit's emitter writes). */
export function menuEntryIds(grubCfg: string): Set<string> {
  const ids = new Set<string>();
  for (const m of grubCfg.matchAll(/^\s*menuentry\s.*\s--id\s+'([^'\n]*)'/gm))
    if (m[1] !== undefined) ids.add(m[1]);
  return ids;
}

/** Why this grub.bootOnce step must not run, or null. */
export async function bootOnceProblem(
  args: VerbArgs<'grub.bootOnce'>,
  plan: Plan,
  host: Host,
): Promise<string | null> {
  const { envFile, entryId } = args;
  if (!GRUBENV_FILE_RE.test(envFile)) return `${envFile} is not a grub/grubenv file under /boot`;
  if (!COHABIT_ENTRY_ID_RE.test(entryId)) return `${entryId} is not a Cohabit menu entry id`;
  const offer = plan.bootOnce;
  if (offer === undefined || !offer.possible || offer.envFile !== envFile)
    return `the plan does not offer to boot once through ${envFile}`;
  if (!offer.entries.some((e) => e.entryId === entryId))
    return `${entryId} is not one of the entries this plan added`;

  // Every component, lstat'ed: grub-editenv follows links, so none may be one.
  const parts = envFile.split('/').filter((p) => p !== '');
  for (let i = 1; i <= parts.length; i++) {
    const prefix = `/${parts.slice(0, i).join('/')}`;
    const kind = await lstatKind(host, prefix);
    if (kind === null) return `${prefix} does not exist`;
    if (kind === 'link')
      return `${prefix} is a symbolic link, and Cohabit never writes through one`;
    if (i === parts.length && kind !== 'file') return `${envFile} is not a regular file`;
  }
  const block = await host.readFile(envFile);
  if (block.length !== ENVBLK_SIZE || !new TextDecoder().decode(block).startsWith(ENVBLK_SIGNATURE))
    return `${envFile} is not a GRUB environment block (1024 bytes starting with "${ENVBLK_SIGNATURE.trim()}")`;

  const mounts = parseProcMounts(new TextDecoder().decode(await host.readFile('/proc/mounts')));
  const holding = mountHolding(mounts, envFile);
  if (holding === undefined || !GRUB_WRITABLE_FS.has(holding.fstype))
    return `${envFile} is on ${holding?.fstype ?? 'an unknown filesystem'}, which GRUB cannot write back to, so it could not clear the choice after one boot`;

  const cfgPath = envFile.replace(/grubenv$/, 'grub.cfg');
  let cfg: string;
  try {
    cfg = new TextDecoder().decode(await host.readFile(cfgPath));
  } catch (error) {
    if (error instanceof HostError && error.code === 'ENOENT') return `${cfgPath} does not exist`;
    throw error;
  }
  if (!menuEntryIds(cfg).has(entryId))
    return `GRUB's menu (${cfgPath}) has no entry ${entryId} yet: rebuild the main system (nixos-rebuild boot) first`;
  return null;
}
