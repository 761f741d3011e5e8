// Every command the inventory runs, as argv, in one place: the readers use them, and so do the
// machines built for the demo and the tests, so that a snapshot always answers what is asked.

export const LSPCI_ARGV = ['lspci', '-nnmm', '-D'] as const;
export const LSBLK_ARGV = ['lsblk', '-J', '-b', '-O'] as const;

export const ZPOOL_LIST_COLUMNS = [
  'name',
  'size',
  'allocated',
  'free',
  'fragmentation',
  'capacity',
  'health',
  'guid',
  'altroot',
] as const;
export const ZPOOL_LIST_ARGV = [
  'zpool',
  'list',
  '-Hp',
  '-o',
  ZPOOL_LIST_COLUMNS.join(','),
] as const;
export const ZPOOL_GET_ARGV = ['zpool', 'get', '-Hp', '-o', 'name,property,value', 'all'] as const;
export const ZPOOL_STATUS_ARGV = ['zpool', 'status', '-P'] as const;
export const ZFS_VERSION_ARGV = ['zfs', 'version'] as const;

/** The dataset properties Cohabit reads, in `zfs list -o` order (user properties last). */
export const ZFS_LIST_COLUMNS = [
  'name',
  'type',
  'used',
  'avail',
  'refer',
  'mountpoint',
  'mounted',
  'canmount',
  'compression',
  'encryption',
  'keystatus',
  'volsize',
  'volblocksize',
  'refreservation',
  'origin',
  'creation',
  'cohabit:managed',
  'cohabit:role',
  'cohabit:system',
  'cohabit:journal',
] as const;
export const ZFS_LIST_ARGV = [
  'zfs',
  'list',
  '-Hp',
  '-t',
  'all',
  '-o',
  ZFS_LIST_COLUMNS.join(','),
] as const;

/**
 * The Nix function that pulls the facts provisioning needs out of an evaluated NixOS config.
 * Every value is wrapped so that an option without a definition (fsType has no default, for
 * instance) gives null instead of failing the whole evaluation.
 */
export const NIXOS_FACTS_FUNCTION = `c: let
  try = x: let r = builtins.tryEval (builtins.deepSeq x x); in if r.success then r.value else null;
in {
  version = try c.system.nixos.version;
  stateVersion = try c.system.stateVersion;
  hostId = try c.networking.hostId;
  luks = try (builtins.mapAttrs (n: d: { device = try d.device; keyFile = try d.keyFile; preLVM = try d.preLVM; }) c.boot.initrd.luks.devices);
  initrdSecrets = try (builtins.mapAttrs (n: s: if s == null then null else toString s) c.boot.initrd.secrets);
  grub = try {
    enable = try c.boot.loader.grub.enable;
    devices = try c.boot.loader.grub.devices;
    efiSupport = try c.boot.loader.grub.efiSupport;
    efiInstallAsRemovable = try c.boot.loader.grub.efiInstallAsRemovable;
    zfsSupport = try c.boot.loader.grub.zfsSupport;
    enableCryptodisk = try c.boot.loader.grub.enableCryptodisk;
    copyKernels = try c.boot.loader.grub.copyKernels;
  };
  systemdBoot = try c.boot.loader.systemd-boot.enable;
  efiSysMountPoint = try c.boot.loader.efi.efiSysMountPoint;
  canTouchEfiVariables = try c.boot.loader.efi.canTouchEfiVariables;
  forceImportRoot = try c.boot.zfs.forceImportRoot;
  fileSystems = try (builtins.mapAttrs (n: f: { device = try f.device; fsType = try f.fsType; }) c.fileSystems);
  release = try c.system.nixos.release;
  initrdSystemd = try c.boot.initrd.systemd.enable;
  kernelParams = try c.boot.kernelParams;
  initrdKernelModules = try c.boot.initrd.kernelModules;
}`;

/** Evaluates /etc/nixos/configuration.nix (channels) through <nixpkgs/nixos>. */
export const NIXOS_EVAL_CHANNELS_ARGV = [
  'nix-instantiate',
  '--eval',
  '--strict',
  '--json',
  '--expr',
  `(${NIXOS_FACTS_FUNCTION}) (import <nixpkgs/nixos> { }).config`,
] as const;

/** Evaluates a flake's nixosConfigurations.<host>; the host name is validated by the caller. */
export function nixosEvalFlakeArgv(flakeDir: string, hostname: string): string[] {
  return [
    'nix',
    '--extra-experimental-features',
    'nix-command flakes',
    'eval',
    '--json',
    `${flakeDir}#nixosConfigurations."${hostname}".config`,
    '--apply',
    NIXOS_FACTS_FUNCTION,
  ];
}

/** Evaluation builds nothing, but it may fetch or read a lot: give it time. */
export const NIXOS_EVAL_TIMEOUT_MS = 120_000;
export const TOOL_TIMEOUT_MS = 30_000;
