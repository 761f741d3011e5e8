// The running OS: os-release, hostname, /etc/hostid, and on NixOS the facts provisioning needs
// (LUKS devices, GRUB settings, hostId, stateVersion), from evaluating the configuration with nix
// when that works, else from what the running system shows.
import * as v from 'valibot';
import { diagnostic } from '../../shared/model/diagnostic';
import type { BlockDevice, Inventory, Nixos, Os } from '../../shared/model/inventory';
import { parseHostId } from '../../shared/parse/hostid';
import { parseOsRelease } from '../../shared/parse/os-release';
import { NIXOS_EVAL_CHANNELS_ARGV, NIXOS_EVAL_TIMEOUT_MS, nixosEvalFlakeArgv } from './commands';
import { originFactsDiagnostics, readNixosOrigin } from './nixos-origin';
import type { ReadContext } from './read-context';
import { runningStage1 } from './running-stage1';

const HOSTNAME_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

const nullable = <T extends v.GenericSchema>(s: T) => v.optional(v.nullable(s), null);
/** What NIXOS_FACTS_FUNCTION returns; every field may be null when its option failed to evaluate. */
const NixosFactsSchema = v.object({
  version: nullable(v.string()),
  stateVersion: nullable(v.string()),
  hostId: nullable(v.string()),
  luks: nullable(
    v.record(
      v.string(),
      v.object({
        device: nullable(v.string()),
        keyFile: nullable(v.string()),
        preLVM: nullable(v.boolean()),
      }),
    ),
  ),
  initrdSecrets: nullable(v.record(v.string(), v.nullable(v.string()))),
  grub: nullable(
    v.object({
      enable: nullable(v.boolean()),
      devices: nullable(v.array(v.string())),
      efiSupport: nullable(v.boolean()),
      efiInstallAsRemovable: nullable(v.boolean()),
      zfsSupport: nullable(v.boolean()),
      enableCryptodisk: nullable(v.boolean()),
      copyKernels: nullable(v.boolean()),
    }),
  ),
  systemdBoot: nullable(v.boolean()),
  efiSysMountPoint: nullable(v.string()),
  canTouchEfiVariables: nullable(v.boolean()),
  forceImportRoot: nullable(v.boolean()),
  fileSystems: nullable(
    v.record(v.string(), v.object({ device: nullable(v.string()), fsType: nullable(v.string()) })),
  ),
  release: nullable(v.string()),
  initrdSystemd: nullable(v.boolean()),
  kernelParams: nullable(v.array(v.string())),
  initrdKernelModules: nullable(v.array(v.string())),
});

function factsToNixos(
  facts: v.InferOutput<typeof NixosFactsSchema>,
  flake: boolean,
  configurationPath: string,
): Nixos {
  return {
    source: 'eval',
    version: facts.version,
    stateVersion: facts.stateVersion,
    hostId: facts.hostId,
    flake,
    configurationPath,
    luksDevices: Object.entries(facts.luks ?? {}).map(([name, d]) => ({
      name,
      device: d.device ?? '',
      keyFile: d.keyFile,
      preLvm: d.preLVM,
    })),
    initrdSecrets: Object.entries(facts.initrdSecrets ?? {}).map(([name, source]) => ({
      name,
      source,
    })),
    grub:
      facts.grub === null
        ? null
        : {
            enable: facts.grub.enable ?? false,
            devices: facts.grub.devices ?? [],
            efiSupport: facts.grub.efiSupport ?? false,
            efiInstallAsRemovable: facts.grub.efiInstallAsRemovable ?? false,
            zfsSupport: facts.grub.zfsSupport ?? false,
            enableCryptodisk: facts.grub.enableCryptodisk ?? false,
            copyKernels: facts.grub.copyKernels ?? false,
          },
    systemdBoot: facts.systemdBoot ?? false,
    efiSysMountPoint: facts.efiSysMountPoint,
    canTouchEfiVariables: facts.canTouchEfiVariables,
    forceImportRoot: facts.forceImportRoot,
    fileSystems: Object.entries(facts.fileSystems ?? {})
      .map(([mountPoint, f]) => ({ mountPoint, device: f.device ?? '', fsType: f.fsType }))
      .sort((a, b) => a.mountPoint.localeCompare(b.mountPoint)),
    release: facts.release,
    initrdSystemd: facts.initrdSystemd,
    kernelParams: facts.kernelParams,
    initrdKernelModules: facts.initrdKernelModules,
  };
}

function luksFromDisks(disks: readonly BlockDevice[]): Nixos['luksDevices'] {
  const found: Nixos['luksDevices'] = [];
  const visit = (d: BlockDevice) => {
    if (d.fstype === 'crypto_LUKS' && d.luksMapper !== null)
      found.push({
        name: d.luksMapper,
        device: d.uuid !== null ? `/dev/disk/by-uuid/${d.uuid}` : d.path,
        keyFile: null,
        preLvm: null,
      });
    d.children.forEach(visit);
  };
  disks.forEach(visit);
  return found;
}

// Long because it reads the NixOS facts one after another, each with what its absence means.
async function readNixos(
  ctx: ReadContext,
  hostname: string | null,
  hostId: string | null,
  inv: Pick<Inventory, 'disks' | 'mounts' | 'boot'>,
  releaseId: string | null,
): Promise<Nixos> {
  const [version, hasFlake, hasConfiguration] = await Promise.all([
    ctx.attr('/run/current-system/nixos-version', { optional: true, code: 'os.nixos' }),
    ctx.exists('/etc/nixos/flake.nix'),
    ctx.exists('/etc/nixos/configuration.nix'),
  ]);
  let argv: readonly string[] | null = null;
  let configurationPath: string | null = null;
  if (hasFlake && hostname !== null && HOSTNAME_RE.test(hostname)) {
    argv = nixosEvalFlakeArgv('/etc/nixos', hostname);
    configurationPath = '/etc/nixos/flake.nix';
  } else if (hasConfiguration) {
    argv = NIXOS_EVAL_CHANNELS_ARGV;
    configurationPath = '/etc/nixos/configuration.nix';
  }
  if (argv !== null && configurationPath !== null) {
    const out = await ctx.run(argv, {
      code: 'os.nixos-eval',
      missingTool:
        'the NixOS configuration cannot be evaluated; facts come from the running system.',
      timeoutMs: NIXOS_EVAL_TIMEOUT_MS,
    });
    if (out !== null) {
      let json: unknown;
      try {
        json = JSON.parse(out);
      } catch {
        json = undefined;
      }
      const parsed = v.safeParse(NixosFactsSchema, json);
      if (parsed.success) {
        const nixos = factsToNixos(parsed.output, hasFlake, configurationPath);
        if (nixos.version === null) nixos.version = version;
        const running = runningStage1(inv.boot, releaseId);
        nixos.release ??= running.release;
        nixos.initrdSystemd ??= running.initrdSystemd;
        nixos.kernelParams ??= running.kernelParams;
        return nixos;
      }
      ctx.report(
        diagnostic(
          'os.nixos-eval.malformed',
          'warning',
          'Evaluating the NixOS configuration gave an unexpected answer; facts come from the running system.',
          { source: argv.slice(0, 2).join(' ') },
        ),
      );
    }
  } else {
    ctx.report(
      diagnostic(
        'os.nixos-config',
        'info',
        'Neither /etc/nixos/configuration.nix nor /etc/nixos/flake.nix exists; facts come from the running system.',
      ),
    );
  }
  const uefi = inv.boot.firmware === 'uefi';
  return {
    source: 'running',
    version,
    stateVersion: null,
    hostId,
    flake: hasFlake,
    configurationPath: hasFlake
      ? '/etc/nixos/flake.nix'
      : hasConfiguration
        ? '/etc/nixos/configuration.nix'
        : null,
    luksDevices: luksFromDisks(inv.disks),
    initrdSecrets: [],
    grub:
      inv.boot.bootloader === 'grub'
        ? {
            enable: true,
            devices: [],
            efiSupport: uefi,
            efiInstallAsRemovable: false,
            zfsSupport: inv.mounts.some((m) => m.fstype === 'zfs'),
            enableCryptodisk: false,
            copyKernels: false,
          }
        : null,
    systemdBoot: inv.boot.bootloader === 'systemd-boot',
    efiSysMountPoint:
      inv.mounts.find(
        (m) =>
          m.fstype === 'vfat' &&
          (m.target === '/boot' || m.target === '/boot/efi' || m.target === '/efi'),
      )?.target ?? null,
    canTouchEfiVariables: null,
    forceImportRoot: null,
    fileSystems: inv.mounts.map((m) => ({
      mountPoint: m.target,
      device: m.source,
      fsType: m.fstype,
    })),
    ...runningStage1(inv.boot, releaseId),
    initrdKernelModules: null,
  };
}

export async function readOs(
  ctx: ReadContext,
  inv: Pick<Inventory, 'disks' | 'mounts' | 'boot'>,
): Promise<Os> {
  let releaseText = await ctx.text('/etc/os-release', { optional: true, code: 'os.release' });
  if (releaseText === null)
    releaseText = await ctx.text('/usr/lib/os-release', { optional: true, code: 'os.release' });
  const release =
    releaseText === null
      ? {}
      : (ctx.parse('/etc/os-release', 'os.release', () => parseOsRelease(releaseText)) ?? {});
  if (releaseText === null)
    ctx.report(
      diagnostic(
        'os.release.missing',
        'warning',
        'Neither /etc/os-release nor /usr/lib/os-release exists: the OS is unknown.',
      ),
    );
  const [hostnameText, hostIdBytes] = await Promise.all([
    ctx.attr('/etc/hostname', { optional: true, code: 'os.hostname' }),
    ctx.bytes('/etc/hostid', { optional: true, code: 'os.hostid' }),
  ]);
  const hostId =
    hostIdBytes === null
      ? null
      : ctx.parse('/etc/hostid', 'os.hostid', () => parseHostId(hostIdBytes));
  const isNixos = release.ID === 'nixos';
  const hostname = hostnameText === '' ? null : hostnameText;
  // The two evaluations are independent: run them side by side.
  const [nixos, nixosOrigin] = isNixos
    ? await Promise.all([
        readNixos(ctx, hostname, hostId, inv, release.VERSION_ID ?? null),
        readNixosOrigin(ctx, hostname),
      ])
    : [null, null];
  if (nixosOrigin !== null)
    for (const d of originFactsDiagnostics(nixosOrigin, nixos)) ctx.report(d);
  return {
    id: release.ID ?? null,
    name: release.NAME ?? null,
    versionId: release.VERSION_ID ?? null,
    prettyName: release.PRETTY_NAME ?? null,
    isNixos,
    hostname,
    hostId,
    nixos,
    nixosOrigin,
  };
}
