// The main GRUB's environment block, for the "boot the new system once" offer (issue 16): whether
// /boot/grub/grubenv exists, read without root. NixOS creates /boot/grub 0700 (install-grub.pl's
// mkpath), so a user's stat meets EACCES there: that is `unreadable`, and the helper looks again
// as root before it writes anything.
import type { Inventory } from '../../shared/model/inventory';
import { NIXOS_GRUBENV } from '../../shared/analysis/boot-once';
import { HostError } from '../host/host';
import type { ReadContext } from './read-context';

export async function readGrubEnv(ctx: ReadContext): Promise<Inventory['grubEnv']> {
  const path = NIXOS_GRUBENV;
  try {
    const st = await ctx.host.stat(path);
    return { path, state: st.kind === 'file' ? 'present' : 'absent' };
  } catch (error) {
    if (!(error instanceof HostError)) throw error;
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return { path, state: 'absent' };
    if (error.code === 'EACCES') return { path, state: 'unreadable' };
    // A snapshot recorded before this fact was read: unknown, and the offer says so.
    return null;
  }
}
