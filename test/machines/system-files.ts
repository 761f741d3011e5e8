// The /proc and /etc files of a machine rendered in the kernel's and NixOS's own layouts:
// /proc/cpuinfo (one block per logical CPU), /proc/meminfo, /proc/modules, /etc/os-release.

export interface CpuModel {
  vendorId: 'GenuineIntel' | 'AuthenticAMD';
  family: number;
  model: number;
  stepping: number;
  modelName: string;
  microcode: string;
  cacheKb: number;
  cores: number;
  threadsPerCore: number;
  baseMhz: number;
  flags: string;
  vmxFlags: string | null;
  bugs: string;
  addressSizes: string;
  cpuidLevel: number;
}

/** Coffee Lake-S i9-9900K (06-9e-0c), flags as a 6.12 kernel prints them with VT-x and VT-d on. */
export const I9_9900K: CpuModel = {
  vendorId: 'GenuineIntel',
  family: 6,
  model: 158,
  stepping: 12,
  modelName: 'Intel(R) Core(TM) i9-9900K CPU @ 3.60GHz',
  microcode: '0xf8',
  cacheKb: 16384,
  cores: 8,
  threadsPerCore: 2,
  baseMhz: 3600,
  flags:
    'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc cpuid aperfmperf pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 xtpr pdcm pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm abm 3dnowprefetch cpuid_fault epb ssbd ibrs ibpb stibp ibrs_enhanced tpr_shadow flexpriority ept vpid ept_ad fsgsbase tsc_adjust sgx bmi1 avx2 smep bmi2 erms invpcid mpx rdseed adx smap clflushopt intel_pt xsaveopt xsavec xgetbv1 xsaves dtherm ida arat pln pts hwp hwp_notify hwp_act_window hwp_epp vnmi md_clear flush_l1d arch_capabilities',
  vmxFlags:
    'vnmi preemption_timer invvpid ept_x_only ept_ad ept_1gb flexpriority tsc_offset vtpr mtf vapic ept vpid unrestricted_guest ple shadow_vmcs pml ept_mode_based_exec',
  bugs: 'spectre_v1 spectre_v2 spec_store_bypass swapgs taa itlb_multihit srbds mmio_stale_data retbleed gds bhi',
  addressSizes: '39 bits physical, 48 bits virtual',
  cpuidLevel: 22,
};

/** Every `processor` block, with core ids and APIC ids laid out as on a single-socket Intel part. */
export function renderCpuinfo(cpu: CpuModel, sockets = 1): string {
  const blocks: string[] = [];
  const threads = cpu.cores * cpu.threadsPerCore;
  let n = 0;
  for (let s = 0; s < sockets; s++) {
    for (let t = 0; t < cpu.threadsPerCore; t++) {
      for (let c = 0; c < cpu.cores; c++) {
        const apic = s * 64 + c * 2 + t;
        const mhz = (cpu.baseMhz + ((n * 37) % 1300)).toFixed(3);
        const lines: Array<[string, string]> = [
          ['processor', String(n)],
          ['vendor_id', cpu.vendorId],
          ['cpu family', String(cpu.family)],
          ['model', String(cpu.model)],
          ['model name', cpu.modelName],
          ['stepping', String(cpu.stepping)],
          ['microcode', cpu.microcode],
          ['cpu MHz', mhz],
          ['cache size', `${cpu.cacheKb} KB`],
          ['physical id', String(s)],
          ['siblings', String(threads)],
          ['core id', String(c)],
          ['cpu cores', String(cpu.cores)],
          ['apicid', String(apic)],
          ['initial apicid', String(apic)],
          ['fpu', 'yes'],
          ['fpu_exception', 'yes'],
          ['cpuid level', String(cpu.cpuidLevel)],
          ['wp', 'yes'],
          ['flags', cpu.flags],
        ];
        if (cpu.vmxFlags !== null) lines.push(['vmx flags', cpu.vmxFlags]);
        lines.push(
          ['bugs', cpu.bugs],
          ['bogomips', (cpu.baseMhz * 2).toFixed(2)],
          ['clflush size', '64'],
          ['cache_alignment', '64'],
          ['address sizes', cpu.addressSizes],
          ['power management', ''],
        );
        // The kernel pads names to the second tab stop with literal tabs.
        blocks.push(
          lines
            .map(([k, v]) =>
              k === 'power management' ? `${k}:` : `${k}${k.length < 8 ? '\t\t' : '\t'}: ${v}`,
            )
            .join('\n'),
        );
        n++;
      }
    }
  }
  return `${blocks.join('\n\n')}\n\n`;
}

/** /proc/meminfo for a machine with `totalKb` of RAM, most of it free, no huge pages reserved. */
export function renderMeminfo(totalKb: number, hugepageSizeKb = 2048): string {
  const free = Math.round(totalKb * 0.62);
  const available = Math.round(totalKb * 0.78);
  const rows: Array<[string, number | null]> = [
    ['MemTotal', totalKb],
    ['MemFree', free],
    ['MemAvailable', available],
    ['Buffers', 6812],
    ['Cached', Math.round(totalKb * 0.09)],
    ['SwapCached', 0],
    ['Active', Math.round(totalKb * 0.08)],
    ['Inactive', Math.round(totalKb * 0.07)],
    ['Active(anon)', Math.round(totalKb * 0.05)],
    ['Inactive(anon)', 0],
    ['Active(file)', Math.round(totalKb * 0.03)],
    ['Inactive(file)', Math.round(totalKb * 0.07)],
    ['Unevictable', 3448],
    ['Mlocked', 3448],
    ['SwapTotal', 0],
    ['SwapFree', 0],
    ['Zswap', 0],
    ['Zswapped', 0],
    ['Dirty', 612],
    ['Writeback', 0],
    ['AnonPages', Math.round(totalKb * 0.05)],
    ['Mapped', 1023844],
    ['Shmem', 182944],
    ['KReclaimable', 394628],
    ['Slab', 1498336],
    ['SReclaimable', 394628],
    ['SUnreclaim', 1103708],
    ['KernelStack', 27152],
    ['PageTables', 61240],
    ['SecPageTables', 0],
    ['NFS_Unstable', 0],
    ['Bounce', 0],
    ['WritebackTmp', 0],
    ['CommitLimit', Math.round(totalKb / 2)],
    ['Committed_AS', 14866020],
    ['VmallocTotal', 34359738367],
    ['VmallocUsed', 198004],
    ['VmallocChunk', 0],
    ['Percpu', 25344],
    ['HardwareCorrupted', 0],
    ['AnonHugePages', 0],
    ['ShmemHugePages', 0],
    ['ShmemPmdMapped', 0],
    ['FileHugePages', 0],
    ['FilePmdMapped', 0],
    ['Unaccepted', 0],
    ['HugePages_Total', null],
    ['HugePages_Free', null],
    ['HugePages_Rsvd', null],
    ['HugePages_Surp', null],
    ['Hugepagesize', hugepageSizeKb],
    ['Hugetlb', 0],
    ['DirectMap4k', 612144],
    ['DirectMap2M', 12771328],
    ['DirectMap1G', Math.max(0, totalKb - 13383472)],
  ];
  return rows
    .map(([k, v]) => {
      const label = `${k}:`.padEnd(16);
      if (v === null) return `${label}${'0'.padStart(8)}\n`;
      return `${label}${String(v).padStart(8)} kB\n`;
    })
    .join('');
}

export interface ModuleSpec {
  name: string;
  size: number;
  users: string[];
  refcount?: number;
  taint?: string;
}

/** /proc/modules as an unprivileged reader sees it (addresses zeroed by kptr_restrict). */
export function renderModules(mods: readonly ModuleSpec[]): string {
  return mods
    .map((m) => {
      const deps = m.users.length === 0 ? '-' : `${m.users.join(',')},`;
      const taint = m.taint === undefined ? '' : ` (${m.taint})`;
      return `${m.name} ${m.size} ${m.refcount ?? m.users.length} ${deps} Live 0x0000000000000000${taint}\n`;
    })
    .join('');
}

/** /etc/os-release exactly as NixOS's os-release module writes it (keys sorted). */
export function renderNixosOsRelease(o: {
  release: string;
  codename: string;
  buildId: string;
  supportEnd: string;
}): string {
  const name = o.codename.charAt(0).toUpperCase() + o.codename.slice(1);
  return [
    'ANSI_COLOR="0;38;2;126;186;228"',
    'BUG_REPORT_URL="https://github.com/NixOS/nixpkgs/issues"',
    `BUILD_ID="${o.buildId}"`,
    `CPE_NAME="cpe:/o:nixos:nixos:${o.release}"`,
    'DEFAULT_HOSTNAME=nixos',
    'DOCUMENTATION_URL="https://nixos.org/learn.html"',
    'HOME_URL="https://nixos.org/"',
    'ID=nixos',
    'ID_LIKE=""',
    'IMAGE_ID=""',
    'IMAGE_VERSION=""',
    'LOGO="nix-snowflake"',
    'NAME=NixOS',
    `PRETTY_NAME="NixOS ${o.release} (${name})"`,
    `SUPPORT_END="${o.supportEnd}"`,
    'SUPPORT_URL="https://nixos.org/community.html"',
    'VARIANT=""',
    'VARIANT_ID=""',
    'VENDOR_NAME=NixOS',
    'VENDOR_URL="https://nixos.org/"',
    `VERSION="${o.release} (${name})"`,
    `VERSION_CODENAME=${o.codename}`,
    `VERSION_ID="${o.release}"`,
    '',
  ].join('\n');
}
