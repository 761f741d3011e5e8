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
} as const;

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
  stop(): Promise<void>;
}

/** The QEMU argv for the lab machine (exported so a test can show what was booted). */
export function qemuArgv(image: LabImage, work: string, port: number, extraAppend = ''): string[] {
  const t = LAB_TOPOLOGY;
  const slot = (address: string) => address.slice('0000:00:'.length).replace('.', '.0x');
  const nvmeDisk = (i: number) => [
    '-drive',
    `file=${join(work, `nvme${i}.raw`)},if=none,id=nvd${i},format=raw`,
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
    '-kernel',
    image.kernel,
    '-initrd',
    image.initrd,
    '-append',
    `root=/dev/vda rw console=ttyS0 net.ifnames=0 intel_iommu=on systemd.show_status=1 ${extraAppend}`.trim(),
    // The root image stays as cached: writes go to a throwaway overlay.
    '-drive',
    `file=${image.rootImage},if=none,id=root,format=raw,snapshot=on`,
    '-device',
    `virtio-blk-pci,drive=root,bus=pcie.0,addr=0x${slot(t.rootDisk)}`,
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

/** Boots the lab machine and waits (up to `timeoutS`) until SSH logs in as root. */
export async function bootLab(
  image: LabImage,
  options: { timeoutS?: number; extraAppend?: string } = {},
): Promise<LabMachine> {
  const timeoutS = options.timeoutS ?? 240;
  const work = await mkdtemp(join(tmpdir(), 'cohabit-lab-run-'));
  for (const i of [0, 1]) {
    // Sparse 1 GiB disks for the mirrored pool.
    await writeFile(join(work, `nvme${i}.raw`), '');
    await promisify(execFile)('truncate', ['-s', '1G', join(work, `nvme${i}.raw`)]);
  }
  await writeFile(join(work, 'known_hosts'), '');
  const port = await freePort();
  const consoleLog = join(work, 'console.log');
  const started = Date.now();
  const qemu: ChildProcess = spawn(
    'qemu-system-x86_64',
    qemuArgv(image, work, port, options.extraAppend),
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
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
    try {
      const host = await SshHost.connect({ user: 'root', host: '127.0.0.1', port }, sshOptions);
      return {
        host,
        port,
        consoleLog,
        nvmeImages: [0, 1].map((i) => join(work, `nvme${i}.raw`)),
        bootSeconds: Math.round((Date.now() - started) / 1000),
        connect: (user, more = {}) =>
          SshHost.connect({ user, host: '127.0.0.1', port }, { ...sshOptions, ...more }),
        stop: async () => {
          await host.close();
          await stop();
        },
      };
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
