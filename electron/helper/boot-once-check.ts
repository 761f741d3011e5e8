// The root helper's own check before it sets GRUB's next_entry (verb grub.bootOnce, issue 16). It
// trusts nothing the plan says about the machine and looks again as root: the entry is one of
// Cohabit's and one the plan itself offered, the menu GRUB reads beside that grubenv has it, and
// the grubenv is a real 1024-byte environment block, reached without links, on a filesystem GRUB
// writes back to (else the choice would never be cleared and every boot would go to the new system),
// holding no one-time choice of someone else's (setting ours would lose theirs, and so would undo).
import { GRUB_WRITABLE_FS, mountHolding } from '../../shared/analysis/boot-once';
import { ParseError } from '../../shared/model/errors';
import type { Plan } from '../../shared/model/plan';
import { visibleText } from '../../shared/model/visible-text';
import { COHABIT_ENTRY_ID_RE, GRUBENV_FILE_RE } from '../../shared/ops/boot-once-args';
import type { VerbArgs } from '../../shared/ops/verbs';
import { GRUB_ENVBLK_SIZE, parseGrubEnvBlock } from '../../shared/parse/grub-envblk';
import type { GrubEnvBlock } from '../../shared/parse/grub-envblk';
import { parseProcMounts } from '../../shared/parse/mounts';
import { HostError } from '../host/host';
import type { Host } from '../host/host';
import { walk } from './link-walk';

/** The menu entry ids a grub.cfg defines with `--id '<id>'` (the form Cohabit's emitter writes). */
export function menuEntryIds(grubCfg: string): Set<string> {
  const ids = new Set<string>();
  for (const m of grubCfg.matchAll(/^\s*menuentry\s.*\s--id\s+'([^'\n]*)'/gm))
    if (m[1] !== undefined) ids.add(m[1]);
  return ids;
}

/**
 * The grubenv as GRUB will read it, or why Cohabit will not touch it. Every component is lstat'ed
 * first: grub-editenv follows links, so none may be one, the same walk as before a write. The read
 * stops one byte past a block's size, so a huge file is never read whole.
 */
export async function readGrubEnv(
  host: Host,
  envFile: string,
): Promise<{ env: GrubEnvBlock } | { problem: string }> {
  const walked = await walk(host, envFile);
  if (walked.problem !== null) return { problem: walked.problem };
  if (walked.kind === null) return { problem: `${envFile} does not exist` };
  if (walked.kind !== 'file') return { problem: `${envFile} is not a regular file` };
  const notABlock = (why: string) => ({
    problem: `${envFile} is not a GRUB environment block that Cohabit can read safely (${why}), so it will not change it; \`grub-editenv ${envFile} list\` shows what GRUB makes of it`,
  });
  let bytes: Uint8Array;
  try {
    bytes = await host.readFile(envFile, { maxBytes: GRUB_ENVBLK_SIZE });
  } catch (error) {
    if (error instanceof HostError && error.code === 'TOO_LARGE')
      return notABlock(`larger than ${GRUB_ENVBLK_SIZE} bytes`);
    throw error;
  }
  try {
    return { env: parseGrubEnvBlock(bytes) };
  } catch (error) {
    if (error instanceof ParseError) return notABlock(visibleText(error.message));
    throw error;
  }
}

/** The value of a pending one-time choice, or null when there is none (unset or empty). */
export function pendingNextEntry(env: GrubEnvBlock): string | null {
  // GRUB's menu clears a choice as it boots it by saving next_entry empty (`set next_entry=`,
  // `save_env next_entry`), and takes an empty one as none (`if [ "${next_entry}" ]`).
  const value = env.variables.get('next_entry');
  return value === undefined || value === '' ? null : value;
}

/**
 * Why the block's pending choice forbids setting entryId, or null: none pending, or entryId
 * itself (setting it again changes nothing). Another is someone's choice (grub-reboot, another
 * tool, an earlier Cohabit run for another entry): setting ours would replace it, and our undo
 * (unset) could not bring it back.
 */
export function pendingChoiceProblem(
  env: GrubEnvBlock,
  envFile: string,
  entryId: string,
): string | null {
  const pending = pendingNextEntry(env);
  if (pending === null || pending === entryId) return null;
  const shown = visibleText(pending.length > 200 ? `${pending.slice(0, 200)}…` : pending);
  return `GRUB already has a one-time choice for the next boot that this request did not make: next_entry=${shown} in ${envFile} (set by grub-reboot, another tool or an earlier request). Cohabit will not replace it, since that would lose it. Boot that entry first (GRUB clears the choice as it starts it), or, if it is no longer wanted, clear it with \`grub-editenv ${envFile} unset next_entry\`; then ask again`;
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

  const read = await readGrubEnv(host, envFile);
  if ('problem' in read) return read.problem;
  const pending = pendingChoiceProblem(read.env, envFile, entryId);
  if (pending !== null) return pending;

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
