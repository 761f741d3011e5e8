// The release and stage 1 of the running NixOS when its configuration cannot be evaluated: from
// os-release's VERSION_ID and the kernel command line NixOS booted with.
import type { Boot } from '../../shared/model/inventory';

const RELEASE_RE = /^\d{2}\.\d{2}$/;

/**
 * NixOS's systemd stage 1 puts `root=fstab` (or `root=gpt-auto`) on the kernel command line
 * (boot.kernelParams in nixos/modules/system/boot/systemd/initrd.nix, NixOS/nixpkgs
 * 00e6b22b508f93e219efee2dda4397027ccaf934); the scripted initrd sets no `root=`. The command
 * line, less the boot loader's `BOOT_IMAGE=` and NixOS's `init=`, is boot.kernelParams.
 */
export function runningStage1(
  boot: Pick<Boot, 'cmdlineArgs'>,
  versionId: string | null,
): { release: string | null; initrdSystemd: boolean | null; kernelParams: string[] | null } {
  const args = boot.cmdlineArgs;
  if (args.length === 0)
    return {
      release: versionId !== null && RELEASE_RE.test(versionId) ? versionId : null,
      initrdSystemd: null,
      kernelParams: null,
    };
  const root = args.find((a) => a.key === 'root')?.value ?? null;
  return {
    release: versionId !== null && RELEASE_RE.test(versionId) ? versionId : null,
    initrdSystemd: root === 'fstab' || root === 'gpt-auto',
    kernelParams: args
      .filter((a) => a.key !== 'BOOT_IMAGE' && a.key !== 'init')
      .map((a) => (a.value === null ? a.key : `${a.key}=${a.value}`)),
  };
}
