// Boots the lab guest under QEMU (q35, emulated Intel IOMMU, the PCI topology the tests need) and
// reaches it over SshHost; on a boot that never answers, the guest's console is in the message.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SshHost } from '../../electron/host/ssh-host';

/** The guest's PCI layout: fixed addresses, so tests can name what they expect. */
export const LAB_TOPOLOGY = {
  nic: '0000:00:02.0',
  gpuVga: '0000:00:03.0',
  gpuAudio: '0000:00:03.1',
  xhci: '0000:00:04.0',
  bridge: '0000:00:05.0',
  behindBridge: ['0000:01:01.0', '0000:01:02.0'],
  nvme: ['0000:00:06.0', '0000:00:07.0'],
  rootDisk: '0000:00:08.0',
  /** Only in the boot proof: the disk GRUB is installed on. */
  bootDisk: '0000:00:09.0',
  /**
   * Only in the boot proof: a spare virtio disk. SeaBIOS numbers virtio disks before NVMe ones, so
   * GRUB's device iteration (hd0, hd1, ...) reaches it before the pool's disks.
   */
  spareDisk: '0000:00:0a.0',
} as const;

/** The guest kernel's parameters when QEMU loads it (`boot: 'kernel'`); the boot proof's GRUB entry uses them too. */
export const LAB_KERNEL_PARAMS =
  'root=/dev/vda rw console=ttyS0 net.ifnames=0 intel_iommu=on systemd.show_status=1';

const here = fileURLToPath(new URL('.', import.meta.url));

/** What the lab needs on this machine; an empty list means it can run. */
export function missingLabPrerequisites(): string[] {
  const missing: string[] = [];
  for (const [tool, pkg] of [
    ['qemu-system-x86_64', 'qemu-system-x86'],
    ['debootstrap', 'debootstrap'],
    ['ssh', 'openssh-client'],
    ['mkfs.ext4', 'e2fsprogs'],
  ] as const) {
    const found = (process.env.PATH ?? '/usr/bin:/bin')
      .split(':')
      .concat(['/usr/sbin', '/sbin'])
      .some((dir) => existsSync(join(dir, tool)));
    if (!found) missing.push(`${tool} (apt-get install ${pkg})`);
  }
  if (process.getuid?.() !== 0) missing.push('root (debootstrap and chroot build the image)');
  return missing;
}

export interface LabImage {
  dir: string;
  kernel: string;
  initrd: string;
  rootImage: string;
  key: string;
  /** The build's own line: `built in N s on M cores`. */
  built: string;
}

/** Where build-image.sh caches images (the same rule as the script's). */
function cacheRoot(): string {
  return (
    process.env.COHABIT_LAB_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cohabit-lab')
  );
}

/** Runs build-image.sh (a no-op when the cache holds this recipe's image). */
export async function buildLabImage(): Promise<LabImage> {
  // The lab's spec files run side by side: one builds, the other waits for it and reuses it.
  await mkdir(cacheRoot(), { recursive: true });
  const { stdout } = await promisify(execFile)(
    'flock',
    [join(cacheRoot(), '.build.lock'), 'bash', join(here, 'build-image.sh')],
    {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 25 * 60_000,
    },
  );
  const dir = stdout.trim().split('\n').at(-1) ?? '';
  const image: LabImage = {
    dir,
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    rootImage: join(dir, 'root.raw'),
    key: join(dir, 'id_ed25519'),
    built: readFileSync(join(dir, 'complete'), 'utf8').trim(),
  };
  for (const f of [image.kernel, image.initrd, image.rootImage, image.key])
    if (!existsSync(f))
      throw new Error(`the lab image in ${dir} lacks ${f}: delete it and rebuild`);
  // Images of older recipes (4 GiB each, sparse) are never used again.
  const cache = dirname(dir);
  for (const name of readdirSync(cache))
    if (/^[0-9a-f]{16}$/.test(name) && join(cache, name) !== dir)
      rmSync(join(cache, name), { recursive: true, force: true });
  return image;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface LabMachine {
  host: SshHost;
  port: number;
  consoleLog: string;
  /** The raw images behind the guest's NVMe disks (nvme0n1, nvme1n1), for grub-fstest. */
  nvmeImages: string[];
  bootSeconds: number;
  /** Logs in as another of the guest's users (`lab` has passwordless sudo, `lab-nopw` has not). */
  connect(user: string, options?: { root?: boolean }): Promise<SshHost>;
  /**
   * Reboots the guest from inside (QEMU stays: the firmware and boot loader run again) and waits
   * until a new boot answers SSH as root; `host` is then that login. Answers the seconds it took.
   */
  reboot(timeoutS?: number): Promise<number>;
  /**
   * Reboots the guest from inside and, instead of waiting for SSH, waits until the console output
   * of the new boot matches `until` (for a boot that is meant to stop before Linux, in GRUB). Answers
   * the console text of that boot so far. `host` is closed: stop the machine and boot it again.
   */
  rebootUntilConsole(until: RegExp, timeoutS?: number): Promise<string>;
  stop(): Promise<void>;
}

/** The QEMU argv for the lab machine (exported so a test can show what was booted). */
export interface BootOptions {
  timeoutS?: number;
  extraAppend?: string;
  /**
   * A directory whose disks outlive this guest (nvme0.raw, nvme1.raw, and boot.raw when `bootDisk`
   * is set), for a test that boots the same machine more than once. Made by `labDisks`; `stop`
   * leaves it alone.
   */
  disks?: string;
  /** Attach `boot.raw` of `disks` as a virtio disk with serial COHABITBOOT (by-id: virtio-COHABITBOOT). */
  bootDisk?: boolean;
  /** Attach `spare.raw` of `disks` as a virtio disk with serial COHABITSPARE (by-id: virtio-COHABITSPARE). */
  spareDisk?: boolean;
  /**
   * `kernel` (the default): QEMU loads the image's kernel and initrd itself, no boot loader.
   * `disk`: SeaBIOS boots whatever boot loader is installed on boot.raw, as a PC boots.
   */
  boot?: 'kernel' | 'disk';
}

/** Sparse disks for `BootOptions.disks`: the pool's two NVMe disks and, if asked, a boot disk and a spare. */
export async function labDisks(
  dir: string,
  sizes: { nvme?: string; boot?: string; spare?: string } = {},
): Promise<void> {
  const files: [string, string][] = [
    ['nvme0.raw', sizes.nvme ?? '1G'],
    ['nvme1.raw', sizes.nvme ?? '1G'],
  ];
  if (sizes.boot !== undefined) files.push(['boot.raw', sizes.boot]);
  if (sizes.spare !== undefined) files.push(['spare.raw', sizes.spare]);
  for (const [name, size] of files) {
    await writeFile(join(dir, name), '');
    await promisify(execFile)('truncate', ['-s', size, join(dir, name)]);
  }
}

export function qemuArgv(
  image: LabImage,
  work: string,
  port: number,
  options: Pick<BootOptions, 'extraAppend' | 'disks' | 'bootDisk' | 'spareDisk' | 'boot'> = {},
): string[] {
  const disks = options.disks ?? work;
  const t = LAB_TOPOLOGY;
  const slot = (address: string) => address.slice('0000:00:'.length).replace('.', '.0x');
  const nvmeDisk = (i: number) => [
    '-drive',
    `file=${join(disks, `nvme${i}.raw`)},if=none,id=nvd${i},format=raw`,
    '-device',
    `nvme,drive=nvd${i},serial=COHABITLAB${i},bus=pcie.0,addr=0x${slot(t.nvme[i] ?? '')}`,
  ];
  return [
    // KVM is present on our CI machines but the guest hangs there; TCG boots in about 45 s.
    '-accel',
    'tcg',
    '-cpu',
    'max',
    '-smp',
    '2',
    '-m',
    '2048',
    // kernel-irqchip=split is what lets the emulated VT-d remap interrupts.
    '-machine',
    'q35,kernel-irqchip=split',
    '-device',
    'intel-iommu,intremap=on',
    '-nodefaults',
    '-vga',
    'none',
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    `file:${join(work, 'console.log')}`,
    ...(options.boot === 'disk'
      ? []
      : [
          '-kernel',
          image.kernel,
          '-initrd',
          image.initrd,
          '-append',
          `${LAB_KERNEL_PARAMS} ${options.extraAppend ?? ''}`.trim(),
        ]),
    // The root image stays as cached: writes go to a throwaway overlay.
    '-drive',
    `file=${image.rootImage},if=none,id=root,format=raw,snapshot=on`,
    '-device',
    `virtio-blk-pci,drive=root,bus=pcie.0,addr=0x${slot(t.rootDisk)}`,
    ...(options.bootDisk === true
      ? [
          '-drive',
          `file=${join(disks, 'boot.raw')},if=none,id=boot,format=raw`,
          '-device',
          // bootindex 0 when booting from it: SeaBIOS tries this disk first (BIOS drive 0x80,
          // GRUB's hd0). With -kernel, QEMU's own loader holds bootindex 0.
          `virtio-blk-pci,drive=boot,serial=COHABITBOOT${options.boot === 'disk' ? ',bootindex=0' : ''},bus=pcie.0,addr=0x${slot(t.bootDisk)}`,
        ]
      : []),
    ...(options.spareDisk === true
      ? [
          '-drive',
          `file=${join(disks, 'spare.raw')},if=none,id=spare,format=raw`,
          '-device',
          `virtio-blk-pci,drive=spare,serial=COHABITSPARE,bus=pcie.0,addr=0x${slot(t.spareDisk)}`,
        ]
      : []),
    '-netdev',
    `user,id=net0,hostfwd=tcp:127.0.0.1:${port}-:22`,
    '-device',
    `e1000,netdev=net0,bus=pcie.0,addr=0x${slot(t.nic)}`,
    // A "GPU": VGA at function 0 and its HDMI-audio-like function 1 in one multifunction slot.
    '-device',
    `VGA,bus=pcie.0,addr=0x${slot(t.gpuVga)},multifunction=on`,
    '-device',
    `ich9-intel-hda,id=hda0,bus=pcie.0,addr=0x${slot(t.gpuAudio)}`,
    '-device',
    'hda-duplex,bus=hda0.0',
    '-device',
    `qemu-xhci,id=xhci0,bus=pcie.0,addr=0x${slot(t.xhci)}`,
    // Conventional PCI behind a PCI bridge: the IOMMU cannot tell these apart, so one group.
    '-device',
    `pci-bridge,id=br0,chassis_nr=1,bus=pcie.0,addr=0x${slot(t.bridge)}`,
    '-device',
    'virtio-rng-pci,bus=br0,addr=0x1',
    '-device',
    'pci-serial,bus=br0,addr=0x2',
    ...nvmeDisk(0),
    ...nvmeDisk(1),
  ];
}

/**
 * What a guest's console shows when it will never answer SSH: the initramfs giving up on its root
 * device (Debian's scripts/local), dropping to its shell, or the kernel panicking. Waiting out the
 * timeout after one of these only makes a failure slower to report.
 */
const DEAD_END =
  /Gave up waiting for root file system device|Dropping to a shell|Kernel panic - not syncing/;

/**
 * Boots the lab machine and waits (up to `timeoutS`) until SSH logs in as root; fails as soon as
 * the console shows that the guest cannot come up.
 */
export async function bootLab(image: LabImage, options: BootOptions = {}): Promise<LabMachine> {
  const timeoutS = options.timeoutS ?? 240;
  const work = await mkdtemp(join(tmpdir(), 'cohabit-lab-run-'));
  // Sparse 1 GiB disks for the mirrored pool, unless the caller keeps its own.
  if (options.disks === undefined) await labDisks(work);
  const disks = options.disks ?? work;
  await writeFile(join(work, 'known_hosts'), '');
  const port = await freePort();
  const consoleLog = join(work, 'console.log');
  const started = Date.now();
  const qemu: ChildProcess = spawn('qemu-system-x86_64', qemuArgv(image, work, port, options), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let qemuErr = '';
  qemu.stderr?.on('data', (b: Buffer) => (qemuErr += b.toString()));
  const stop = async () => {
    if (qemu.exitCode === null && qemu.signalCode === null) {
      qemu.kill('SIGTERM');
      await new Promise((r) => qemu.once('exit', r));
    }
    await rm(work, { recursive: true, force: true });
  };
  const consoleTail = () =>
    existsSync(consoleLog)
      ? readFileSync(consoleLog, 'utf8').split('\n').slice(-60).join('\n')
      : '(no console output)';

  const sshOptions = {
    connectTimeoutS: 5,
    sshOptions: [
      '-F',
      '/dev/null',
      '-i',
      image.key,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'IdentityAgent=none',
      // A fresh guest with a throwaway key on loopback: accept its key on first sight only.
      '-o',
      `UserKnownHostsFile=${join(work, 'known_hosts')}`,
      '-o',
      'StrictHostKeyChecking=accept-new',
    ],
  };
  const deadline = started + timeoutS * 1000;
  let lastError = '';
  while (Date.now() < deadline) {
    if (qemu.exitCode !== null) {
      await stop();
      throw new Error(
        `QEMU exited with ${qemu.exitCode}: ${qemuErr}\n--- console ---\n${consoleTail()}`,
      );
    }
    const deadEnd = existsSync(consoleLog)
      ? DEAD_END.exec(readFileSync(consoleLog, 'latin1'))
      : null;
    if (deadEnd !== null) {
      const tail = consoleTail();
      await stop();
      throw new Error(
        `the lab guest cannot boot: its console shows "${deadEnd[0]}" ${Math.round((Date.now() - started) / 1000)} s after QEMU started\n--- guest console (last 60 lines) ---\n${tail}`,
      );
    }
    try {
      const host = await SshHost.connect({ user: 'root', host: '127.0.0.1', port }, sshOptions);
      const machine: LabMachine = {
        host,
        port,
        consoleLog,
        nvmeImages: [0, 1].map((i) => join(disks, `nvme${i}.raw`)),
        bootSeconds: Math.round((Date.now() - started) / 1000),
        connect: (user, more = {}) =>
          SshHost.connect({ user, host: '127.0.0.1', port }, { ...sshOptions, ...more }),
        reboot: async (rebootTimeoutS = 300) => {
          const t0 = Date.now();
          const bootId = async (h: SshHost) =>
            new TextDecoder().decode(await h.readFile('/proc/sys/kernel/random/boot_id')).trim();
          const before = await bootId(machine.host);
          // The guest may drop the connection before systemctl answers: that is the reboot.
          await machine.host.run(['systemctl', 'reboot'], { timeoutMs: 30_000 }).catch(() => null);
          await machine.host.close().catch(() => undefined);
          const until = Date.now() + rebootTimeoutS * 1000;
          let last = '';
          while (Date.now() < until) {
            if (qemu.exitCode !== null) throw new Error(`QEMU exited with ${qemu.exitCode}`);
            await new Promise((r) => setTimeout(r, 2_000));
            try {
              const next = await SshHost.connect(
                { user: 'root', host: '127.0.0.1', port },
                sshOptions,
              );
              // Still the old boot, on its way down: try again.
              if ((await bootId(next)) === before) {
                await next.close();
                continue;
              }
              machine.host = next;
              return Math.round((Date.now() - t0) / 1000);
            } catch (error) {
              last = error instanceof Error ? error.message : String(error);
            }
          }
          throw new Error(
            `the lab guest did not come back within ${rebootTimeoutS} s (last: ${last})\n--- guest console (last 60 lines) ---\n${consoleTail()}`,
          );
        },
        rebootUntilConsole: async (until, consoleTimeoutS = 300) => {
          const from = existsSync(consoleLog) ? readFileSync(consoleLog).length : 0;
          const since = () => readFileSync(consoleLog).subarray(from).toString('latin1');
          await machine.host.run(['systemctl', 'reboot'], { timeoutMs: 30_000 }).catch(() => null);
          await machine.host.close().catch(() => undefined);
          const deadline = Date.now() + consoleTimeoutS * 1000;
          while (Date.now() < deadline) {
            if (qemu.exitCode !== null) throw new Error(`QEMU exited with ${qemu.exitCode}`);
            const text = since();
            if (until.test(text)) return text;
            await new Promise((r) => setTimeout(r, 1_000));
          }
          throw new Error(
            `the console did not show ${String(until)} within ${consoleTimeoutS} s\n--- guest console (last 60 lines) ---\n${consoleTail()}`,
          );
        },
        stop: async () => {
          await machine.host.close();
          await stop();
        },
      };
      return machine;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  const tail = consoleTail();
  await stop();
  throw new Error(
    `the lab guest did not answer SSH within ${timeoutS} s (last: ${lastError})\n--- guest console (last 60 lines) ---\n${tail}`,
  );
}

/**
 * The lab's prerequisites for one spec file: what is missing, having failed (CI=true) or said
 * plainly that the file is skipped (elsewhere).
 */
export function labPrerequisites(what: string, alsoMissing: readonly string[] = []): string[] {
  const missing = [...missingLabPrerequisites(), ...alsoMissing];
  if (missing.length > 0) {
    const message = `the lab needs ${missing.join(', ')}`;
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`SKIPPED ${what}: ${message}`);
  }
  return missing;
}

/** The guest's NixOS-like root pool: a mirror of the two NVMe disks with root and home datasets. */
export async function createLabPool(
  run: (argv: string[]) => Promise<unknown>,
  pool = 'zroot',
): Promise<void> {
  await run(['modprobe', 'zfs']);
  await run([
    'zpool',
    'create',
    '-f',
    '-o',
    'ashift=12',
    '-O',
    'mountpoint=none',
    '-O',
    'compression=lz4',
    '-O',
    'acltype=posixacl',
    '-O',
    'xattr=sa',
    pool,
    'mirror',
    '/dev/nvme0n1',
    '/dev/nvme1n1',
  ]);
  await run(['zfs', 'create', '-o', 'mountpoint=legacy', `${pool}/root`]);
  await run(['zfs', 'create', '-o', 'mountpoint=/home', `${pool}/home`]);
}
