// CPU, memory and huge pages, firmware and bootloader, kernel command line, vfio modules, the
// default route's NIC and the mounts that matter for provisioning.
import { diagnostic } from '../../shared/model/diagnostic';
import type { Boot, Cpu, Inventory, Memory } from '../../shared/model/inventory';
import { PCI_ADDRESS_RE } from '../../shared/model/inventory';
import { parseCmdline } from '../../shared/parse/cmdline';
import type { CmdlineArg } from '../../shared/parse/cmdline';
import { parseCpuinfo } from '../../shared/parse/cpuinfo';
import { parseMeminfo } from '../../shared/parse/meminfo';
import { parseProcMounts } from '../../shared/parse/mounts';
import { parseDefaultRouteInterface } from '../../shared/parse/net-route';
import { parseProcModules } from '../../shared/parse/proc-modules';
import { baseName } from './read-context';
import type { ReadContext } from './read-context';

/** systemd-boot (and any boot loader following the Boot Loader Interface) sets this EFI variable. */
const LOADER_INFO_PREFIX = 'LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f';
const HUGEPAGES_DIR = '/sys/kernel/mm/hugepages';
const PROVISIONING_MOUNTS = new Set(['/', '/boot', '/boot/efi', '/efi', '/nix', '/home']);

export async function readCpu(ctx: ReadContext): Promise<Cpu | null> {
  const text = await ctx.text('/proc/cpuinfo', { code: 'cpu' });
  return text === null ? null : ctx.parse('/proc/cpuinfo', 'cpu', () => parseCpuinfo(text));
}

export async function readMemory(ctx: ReadContext): Promise<Memory | null> {
  const text = await ctx.text('/proc/meminfo', { code: 'memory' });
  if (text === null) return null;
  const info = ctx.parse('/proc/meminfo', 'memory', () => parseMeminfo(text));
  if (info === null) return null;
  const sizes = (await ctx.dir(HUGEPAGES_DIR, { optional: true, code: 'memory.hugepages' })) ?? [];
  const hugepages = await Promise.all(
    sizes
      .map((name) => ({ name, m: /^hugepages-(\d+)kB$/.exec(name) }))
      .filter((e) => e.m?.[1] !== undefined)
      .map(async ({ name, m }) => {
        const [total, free] = await Promise.all([
          ctx.attr(`${HUGEPAGES_DIR}/${name}/nr_hugepages`),
          ctx.attr(`${HUGEPAGES_DIR}/${name}/free_hugepages`),
        ]);
        return {
          sizeKiB: Number(m?.[1]),
          total: Number(total ?? 0) || 0,
          free: Number(free ?? 0) || 0,
        };
      }),
  );
  return {
    totalBytes: info.totalBytes,
    availableBytes: info.availableBytes,
    hugepages: hugepages.sort((a, b) => a.sizeKiB - b.sizeKiB),
  };
}

export async function readCmdline(ctx: ReadContext): Promise<{ text: string; args: CmdlineArg[] }> {
  const text = (await ctx.text('/proc/cmdline', { code: 'boot.cmdline' })) ?? '';
  return {
    text: text.trim(),
    args: ctx.parse('/proc/cmdline', 'boot.cmdline', () => parseCmdline(text)) ?? [],
  };
}

export async function readBoot(
  ctx: ReadContext,
  cmdline: { text: string; args: CmdlineArg[] },
): Promise<Boot> {
  const uefi = await ctx.exists('/sys/firmware/efi');
  const [efivars, grubCfg, loaderBoot, loaderBootEfi, loaderEfi, release] = await Promise.all([
    uefi
      ? ctx.dir('/sys/firmware/efi/efivars', { optional: true, code: 'boot.efivars' })
      : Promise.resolve(null),
    ctx.exists('/boot/grub/grub.cfg'),
    ctx.exists('/boot/loader/loader.conf'),
    ctx.exists('/boot/efi/loader/loader.conf'),
    ctx.exists('/efi/loader/loader.conf'),
    ctx.attr('/proc/sys/kernel/osrelease', { code: 'boot.kernel' }),
  ]);
  const evidence: string[] = [];
  let bootloader: Boot['bootloader'] = 'unknown';
  if (efivars?.some((v) => v.startsWith(LOADER_INFO_PREFIX))) {
    bootloader = 'systemd-boot';
    evidence.push('The firmware variable LoaderInfo is set: this boot went through systemd-boot.');
  } else if (grubCfg) {
    bootloader = 'grub';
    evidence.push(
      '/boot/grub/grub.cfg exists' +
        (uefi ? ' and no boot-loader-interface variable is set.' : '.'),
    );
  } else if (loaderBoot || loaderBootEfi || loaderEfi) {
    bootloader = 'systemd-boot';
    evidence.push('A systemd-boot loader.conf exists on the ESP.');
  }
  if (bootloader === 'unknown') {
    ctx.report(
      diagnostic(
        'boot.loader-unknown',
        'warning',
        'Neither GRUB nor systemd-boot could be recognised on this machine.',
        {
          fix: 'Cohabit chains new systems from GRUB; if /boot is not mounted, mount it and refresh.',
        },
      ),
    );
  }
  return {
    firmware: uefi ? 'uefi' : 'bios',
    bootloader,
    bootloaderEvidence: evidence,
    kernelCmdline: cmdline.text,
    cmdlineArgs: cmdline.args,
    kernelRelease: release,
  };
}

export async function readVfio(
  ctx: ReadContext,
  pciDrivers: readonly { address: string; driver: string | null }[],
): Promise<Inventory['vfio']> {
  const [modulesText, sysModules] = await Promise.all([
    ctx.text('/proc/modules', { optional: true, code: 'vfio.modules' }),
    ctx.dir('/sys/module', { optional: true, code: 'vfio.modules' }),
  ]);
  const loaded = new Set(
    modulesText === null
      ? []
      : (ctx.parse('/proc/modules', 'vfio.modules', () => parseProcModules(modulesText)) ?? []),
  );
  // Built-in modules have a /sys/module entry but no /proc/modules line.
  for (const m of sysModules ?? []) loaded.add(m);
  return {
    modules: [...loaded].filter((m) => m === 'vfio' || m.startsWith('vfio_')).sort(),
    boundDevices: pciDrivers.filter((d) => d.driver === 'vfio-pci').map((d) => d.address),
  };
}

export async function readNetwork(ctx: ReadContext): Promise<Inventory['network']> {
  const routes = await ctx.text('/proc/net/route', { optional: true, code: 'network.route' });
  const iface =
    routes === null
      ? null
      : (ctx.parse('/proc/net/route', 'network.route', () => parseDefaultRouteInterface(routes)) ??
        null);
  if (iface === null || !/^[A-Za-z0-9_.:@-]{1,15}$/.test(iface))
    return { defaultRouteInterface: iface, defaultRouteDevice: null };
  const device = await ctx.link(`/sys/class/net/${iface}/device`);
  const address = device === null ? null : baseName(device);
  return {
    defaultRouteInterface: iface,
    defaultRouteDevice: address !== null && PCI_ADDRESS_RE.test(address) ? address : null,
  };
}

export async function readMounts(ctx: ReadContext): Promise<Inventory['mounts']> {
  const text = await ctx.text('/proc/mounts', { code: 'mounts' });
  if (text === null) return [];
  const all = ctx.parse('/proc/mounts', 'mounts', () => parseProcMounts(text)) ?? [];
  return all.filter((m) => PROVISIONING_MOUNTS.has(m.target));
}
