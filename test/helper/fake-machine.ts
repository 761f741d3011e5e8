// A host double for the executor's tests: files live in a temporary root directory (every absolute
// path is mapped into it), ZFS, mounts, partitions, libvirt and NixOS generations are fake state
// that the commands the verbs run act on; grub-editenv is the real one, on the file in that root.
// It records every argv and can fail or hang on request.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as fs from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HostError, describeArgv } from '../../electron/host/host';
import type { RunOptions, RunResult, StatResult } from '../../electron/host/host';
import { statKind } from '../../electron/host/local-host';
import { LocalExecHost, runStreamingLocal, tempNameFor } from '../../electron/helper/exec-host';
import type {
  AppendOptions,
  ExecHost,
  StreamOptions,
  WriteOptions,
} from '../../electron/helper/exec-host';
import { createExclusive } from '../../electron/helper/safe-files';

interface Dataset {
  type: 'filesystem' | 'volume';
  props: Record<string, string>;
}

export interface FaultPlan {
  /** The argv (joined with spaces) or file path whose first call fails. */
  match: string;
  /** 'before': nothing happens; 'after': the effect happens, then the call fails (a tool dying late). */
  when: 'before' | 'after';
}

const ok = (stdout = ''): RunResult => ({ stdout, stderr: '', exitCode: 0 });
const fail = (stderr: string, exitCode = 1): RunResult => ({ stdout: '', stderr, exitCode });

export class FakeMachine implements ExecHost {
  readonly description = 'fake machine';
  /** The test's own uid: the fake's state directories are made by it, as root's are by root. */
  readonly actingUid = process.geteuid?.() ?? 0;
  readonly calls: string[][] = [];
  datasets = new Map<string, Dataset>();
  snapshots = new Set<string>();
  mounts: { source: string; target: string; fstype: string }[] = [];
  partitioned = new Set<string>();
  formatted = new Set<string>();
  domains = new Set<string>();
  /** Directories under /dev/zvol that this fake's udev made (and removes again when empty). */
  private readonly zvolDirs = new Set<string>();
  generation = 1;
  fault: FaultPlan | null = null;
  /** argv (joined) that never finishes on its own. */
  hang: string | null = null;
  /** Mount points something else holds open (a shell's working directory): umount says busy. */
  busy = new Set<string>();
  /**
   * Volumes udev is still probing (blkid holds the zvol open after a wipe): the next N destroys
   * that would remove each say "dataset is busy"; `udevadm settle` does not change that by itself.
   */
  probing = new Map<string, number>();
  /** A path whose atomic write stops half-way (or right after the rename) and waits forever. */
  pauseWrite: { path: string; at: 'half' | 'renamed'; onPause: () => void } | null = null;
  private readonly local = new LocalExecHost('fake');

  constructor(
    readonly root: string,
    /** Where a dataset's files live while it is not mounted; outside root so trees compare. */
    readonly store: string,
  ) {}

  map(path: string): string {
    return path === '/' ? this.root : join(this.root, path);
  }

  private unmap(real: string): string {
    return real === this.root ? '/' : real.slice(this.root.length);
  }

  /** Creates the machine the seed plan expects: pool zroot with a NixOS root and a vms dataset. */
  async seed(files: Record<string, { content: string; mode: number }>): Promise<void> {
    for (const name of ['zroot', 'zroot/nixos', 'zroot/nixos/root', 'zroot/vms', 'zroot/data'])
      this.datasets.set(name, { type: 'filesystem', props: {} });
    this.datasets.set('zroot/data', {
      type: 'filesystem',
      props: { 'cohabit:managed': 'on', 'cohabit:journal': 'ffffffffffffffff' },
    });
    for (const dir of [
      '/etc/nixos',
      '/mnt/cohabit',
      '/var/lib/cohabit/vms',
      '/dev/zvol/zroot/vms',
      '/proc',
    ])
      await fs.mkdir(this.map(dir), { recursive: true });
    await fs.mkdir(this.map('/nix/var/nix/profiles'), { recursive: true });
    await fs.symlink('system-1-link', this.map('/nix/var/nix/profiles/system'));
    for (const [path, f] of Object.entries(files)) {
      await fs.mkdir(dirname(this.map(path)), { recursive: true });
      await fs.writeFile(this.map(path), f.content, { mode: f.mode });
      await fs.chmod(this.map(path), f.mode);
    }
  }

  // ---- Host reads
  async readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    if (path === '/proc/mounts')
      return new TextEncoder().encode(
        this.mounts.map((m) => `${m.source} ${m.target} ${m.fstype} rw 0 0\n`).join(''),
      );
    return this.local
      .readFile(this.map(path), options)
      .catch((e: unknown) => this.rethrow(e, path));
  }
  async readDir(path: string): Promise<string[]> {
    return this.local.readDir(this.map(path)).catch((e: unknown) => this.rethrow(e, path));
  }
  async close(): Promise<void> {}

  async readLink(path: string): Promise<string> {
    return this.local.readLink(this.map(path)).catch((e: unknown) => this.rethrow(e, path));
  }
  async stat(path: string): Promise<StatResult> {
    try {
      const s = await fs.lstat(this.map(path));
      return { kind: statKind(s), size: s.size, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
    } catch (e) {
      return this.rethrow(e, path);
    }
  }
  private rethrow(e: unknown, path: string): never {
    if (e instanceof HostError) throw new HostError(e.code, path);
    const code = (e as NodeJS.ErrnoException).code;
    throw new HostError(code === 'ENOENT' ? 'ENOENT' : 'EIO', path);
  }

  // ---- ExecHost changes
  async writeFileAtomic(path: string, bytes: Uint8Array, options: WriteOptions): Promise<void> {
    this.calls.push(['<write>', path]);
    if (this.fault?.match === path && this.fault.when === 'before') {
      this.fault = null;
      throw new HostError('EIO', path, `${path}: injected write failure`);
    }
    const real = this.map(path);
    const temp = this.map(options.temp ?? tempNameFor(path, options.tempTag ?? 'fake'));
    const handle = await createExclusive(temp);
    const pause = this.pauseWrite?.path === path ? this.pauseWrite : null;
    await handle.writeFile(bytes.subarray(0, bytes.length >> 1));
    await handle.sync();
    if (pause?.at === 'half') {
      pause.onPause();
      await new Promise(() => undefined);
    }
    await handle.writeFile(bytes.subarray(bytes.length >> 1));
    await handle.chmod(options.mode);
    await handle.sync();
    await handle.close();
    await fs.rename(temp, real);
    if (pause?.at === 'renamed') {
      pause.onPause();
      await new Promise(() => undefined);
    }
    if (this.fault?.match === path) {
      this.fault = null;
      throw new HostError('EIO', path, `${path}: injected failure after the write`);
    }
  }
  async copyFile(source: string, target: string): Promise<void> {
    await this.local.copyFile(this.map(source), this.map(target));
  }
  async mkdir(path: string, mode: number, options?: { recursive?: boolean }): Promise<void> {
    await this.local.mkdir(this.map(path), mode, options);
  }
  async rmdir(path: string): Promise<void> {
    await this.local.rmdir(this.map(path));
  }
  async unlink(path: string): Promise<void> {
    await this.local.unlink(this.map(path));
  }
  async realpath(path: string): Promise<string> {
    return this.unmap(
      await this.local.realpath(this.map(path)).catch((e: unknown) => this.rethrow(e, path)),
    );
  }
  async appendDurable(path: string, text: string, options?: AppendOptions): Promise<void> {
    await this.local.appendDurable(this.map(path), text, options);
  }

  async run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.runStreaming(argv, {
      ...(options?.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options?.signal ? { signal: options.signal } : {}),
    });
  }

  async runStreaming(argv: readonly string[], options: StreamOptions): Promise<RunResult> {
    this.calls.push([...argv]);
    const key = describeArgv(argv);
    if (this.hang === key) {
      // Like a hung tool: only the timeout or a cancel ends it.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, options.timeoutMs ?? 30_000);
        options.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
      this.hang = null;
      throw new HostError(
        options.signal?.aborted ? 'ABORTED' : 'TIMEOUT',
        key,
        `${key} did not finish within ${options.timeoutMs ?? 30_000} ms and was stopped`,
      );
    }
    if (this.fault?.match === key && this.fault.when === 'before') {
      this.fault = null;
      return fail('injected failure');
    }
    const result = await this.execute(argv, options);
    if (this.fault?.match === key) {
      this.fault = null;
      return fail('injected failure after the change');
    }
    return result;
  }

  private async moveContents(from: string, to: string): Promise<void> {
    await fs.mkdir(to, { recursive: true });
    await fs.mkdir(from, { recursive: true });
    for (const name of await fs.readdir(from)) await fs.rename(join(from, name), join(to, name));
  }
  private storeOf(source: string): string {
    return join(this.store, source.replace(/\//g, '_'));
  }

  private async execute(argv: readonly string[], options: StreamOptions): Promise<RunResult> {
    const [cmd, ...a] = argv;
    const last = a.at(-1) ?? '';
    switch (cmd) {
      case 'zfs':
        return this.zfs(a);
      case 'blkid': {
        if (this.partitioned.has(last)) return ok('PTTYPE=gpt\n');
        if (this.formatted.has(last)) return ok('TYPE=vfat\n');
        return fail('', 2);
      }
      case 'sgdisk':
        if (a[0] === '--zap-all') {
          this.partitioned.delete(last);
          await fs.rm(this.map(`${last}-part1`), { force: true });
        } else {
          this.partitioned.add(last);
          await fs.writeFile(this.map(`${last}-part1`), '');
        }
        return ok();
      case 'udevadm':
        return ok();
      case 'mkfs.fat':
        this.formatted.add(last);
        return ok('mkfs.fat 4.2 (2021-01-31)\n');
      case 'wipefs':
        this.formatted.delete(last);
        return ok();
      case 'mkdir':
        try {
          await fs.mkdir(this.map(last), parseInt(a[1] ?? '755', 8));
          return ok();
        } catch {
          return fail(`mkdir: cannot create directory '${last}'`);
        }
      case 'rmdir':
        try {
          await fs.rmdir(this.map(last));
          return ok();
        } catch {
          return fail(`rmdir: failed to remove '${last}'`);
        }
      case 'rm':
        await fs.rm(this.map(last), { force: true });
        return ok();
      case 'mount': {
        const [source = '', target = ''] = a.slice(-2);
        if (this.mounts.some((m) => m.target === target))
          return fail(`mount: ${target}: already mounted`, 32);
        await this.moveContents(this.storeOf(source), this.map(target));
        this.mounts.push({ source, target, fstype: a[1] ?? '' });
        return ok();
      }
      case 'umount': {
        const m = this.mounts.find((x) => x.target === last);
        if (!m) return fail(`umount: ${last}: not mounted.`, 32);
        if (this.busy.has(last) || this.mounts.some((x) => x.target.startsWith(`${last}/`)))
          return fail(`umount: ${last}: target is busy.`, 32);
        await this.moveContents(this.map(last), this.storeOf(m.source));
        this.mounts = this.mounts.filter((x) => x !== m);
        return ok();
      }
      case 'nixos-generate-config': {
        const root = last;
        await fs.mkdir(this.map(`${root}/etc/nixos`), { recursive: true });
        await fs.writeFile(this.map(`${root}/etc/nixos/configuration.nix`), '{ }\n');
        await fs.writeFile(this.map(`${root}/etc/nixos/hardware-configuration.nix`), '{ }\n');
        return ok();
      }
      case 'nixos-install': {
        const root = a[1] ?? '';
        for (const [i, line] of [
          'copying channel...',
          'building the configuration in /mnt/etc/nixos/configuration.nix...',
          'copying path 50%',
          'installing the boot loader...',
          'installation finished!',
        ].entries()) {
          options.onLine?.(line, i === 2 ? 'stderr' : 'stdout');
        }
        await fs.mkdir(this.map(`${root}/nix/var/nix`), { recursive: true });
        await fs.writeFile(this.map(`${root}/nix/var/nix/installed`), 'yes\n');
        return ok('installation finished!');
      }
      case 'nixos-rebuild': {
        this.generation += a.includes('--rollback') ? -1 : 1;
        const link = this.map('/nix/var/nix/profiles/system');
        await fs.rm(link, { force: true });
        await fs.symlink(`system-${this.generation}-link`, link);
        return ok();
      }
      case 'virsh': {
        const verb = a[2];
        if (verb === 'define') {
          const xml = await fs.readFile(this.map(last), 'utf8');
          const name = /<name>([^<]+)<\/name>/.exec(xml)?.[1] ?? '';
          this.domains.add(name);
          return ok(`Domain '${name}' defined from ${last}\n`);
        }
        if (verb === 'undefine')
          return this.domains.delete(last) ? ok() : fail(`error: failed to get domain '${last}'`);
        return fail('unknown virsh verb');
      }
      case 'grub-editenv': {
        // Debian's real grub-editenv (grub-common) on the file inside the fake's root: the block's
        // bytes are what GRUB's own tool makes of them, escapes and padding included.
        const [file = '', ...rest] = a;
        return runStreamingLocal(['grub-editenv', this.map(file), ...rest], options);
      }
      case 'install': {
        const [src = '', dst = ''] = a.slice(-2);
        await fs.mkdir(dirname(this.map(dst)), { recursive: true });
        await fs.copyFile(this.map(src), this.map(dst));
        await fs.chmod(this.map(dst), parseInt(a[2] ?? '600', 8));
        return ok();
      }
      default:
        throw new HostError('ENOENT', describeArgv(argv), `${cmd ?? ''}: command not found`);
    }
  }

  private async zfs(a: string[]): Promise<RunResult> {
    const [sub, ...rest] = a;
    const target = rest.at(-1) ?? '';
    const missing = () => fail(`cannot open '${target}': dataset does not exist`);
    switch (sub) {
      case 'list':
        return this.datasets.has(target) ? ok(`${target}\n`) : missing();
      case 'get': {
        const d = this.datasets.get(target);
        if (!d) return missing();
        const props = (rest[rest.length - 2] ?? '').split(',');
        return ok(props.map((p) => d.props[p] ?? '-').join('\n') + '\n');
      }
      case 'create': {
        if (this.datasets.has(target))
          return fail(`cannot create '${target}': dataset already exists`);
        if (!this.datasets.has(target.slice(0, target.lastIndexOf('/'))))
          return fail(`cannot create '${target}': parent does not exist`);
        const props: Record<string, string> = {};
        rest.forEach((x, i) => {
          if (rest[i - 1] === '-o') {
            const [k = '', ...v] = x.split('=');
            props[k] = v.join('=');
          }
        });
        const volume = rest.includes('-V');
        this.datasets.set(target, { type: volume ? 'volume' : 'filesystem', props });
        if (volume) {
          // udev makes the directories of a nested zvol's link, as it does on a real machine.
          const made = await fs.mkdir(dirname(this.map(`/dev/zvol/${target}`)), {
            recursive: true,
          });
          if (made !== undefined) this.zvolDirs.add(made);
          await fs.writeFile(this.map(`/dev/zvol/${target}`), '');
        }
        return ok();
      }
      case 'destroy': {
        if (target.includes('@')) return this.snapshots.delete(target) ? ok() : missing();
        if (!this.datasets.has(target)) return missing();
        const doomed = [...this.datasets.keys()].filter(
          (d) => d === target || d.startsWith(`${target}/`),
        );
        if (doomed.length > 1 && !rest.includes('-r'))
          return fail(`cannot destroy '${target}': filesystem has children`);
        if (this.mounts.some((m) => doomed.includes(m.source)))
          return fail(`cannot destroy '${target}': dataset is busy`);
        const probed = doomed.find((d) => (this.probing.get(d) ?? 0) > 0);
        if (probed !== undefined) {
          this.probing.set(probed, (this.probing.get(probed) ?? 0) - 1);
          return fail(`cannot destroy '${target}': dataset is busy`);
        }
        for (const d of doomed) {
          // Only a volume has a device link; /dev/zvol/<filesystem> is udev's directory (below).
          const volume = this.datasets.get(d)?.type === 'volume';
          this.datasets.delete(d);
          await fs.rm(this.storeOf(d), { recursive: true, force: true });
          if (volume) await fs.rm(this.map(`/dev/zvol/${d}`), { force: true });
          await fs.rm(this.map(`/dev/zvol/${d}-part1`), { force: true });
          this.partitioned.delete(`/dev/zvol/${d}`);
          this.formatted.delete(`/dev/zvol/${d}-part1`);
          await fs.rm(this.storeOf(`/dev/zvol/${d}-part1`), { recursive: true, force: true });
        }
        for (const s of [...this.snapshots])
          if (doomed.some((d) => s.startsWith(`${d}@`))) this.snapshots.delete(s);
        // ...and removes the directories the last link leaves empty.
        for (const d of doomed.sort().reverse()) {
          let dir = dirname(this.map(`/dev/zvol/${d}`));
          while (
            dir.startsWith(this.map('/dev/zvol/')) &&
            dir !== this.map(`/dev/zvol/${d.split('/')[0] ?? ''}`)
          ) {
            if (!this.zvolDirs.has(dir) && ![...this.zvolDirs].some((d) => d.startsWith(`${dir}/`)))
              break;
            if ((await fs.readdir(dir).catch(() => ['?'])).length > 0) break;
            await fs.rmdir(dir);
            dir = dirname(dir);
          }
        }
        return ok();
      }
      case 'set': {
        const d = this.datasets.get(target);
        if (!d) return missing();
        const [k = '', ...v] = (rest[0] ?? '').split('=');
        d.props[k] = v.join('=');
        return ok();
      }
      case 'inherit': {
        const d = this.datasets.get(target);
        if (!d) return missing();
        d.props = Object.fromEntries(Object.entries(d.props).filter(([k]) => k !== rest[0]));
        return ok();
      }
      case 'snapshot': {
        const [ds = ''] = target.split('@');
        if (!this.datasets.has(ds)) return missing();
        this.snapshots.add(target);
        return ok();
      }
      default:
        return fail(`unrecognized command '${sub ?? ''}'`, 2);
    }
  }

  /** Everything a user would notice, for comparing before and after. */
  async state(): Promise<unknown> {
    const files: Record<string, string> = {};
    const walk = async (dir: string): Promise<void> => {
      for (const name of (await fs.readdir(dir)).sort()) {
        const full = join(dir, name);
        const path = this.unmap(full);
        // Cohabit's own bookkeeping, not part of the machine a plan changes.
        if (
          path === '/var/lib/cohabit/journal' ||
          path === '/var/lib/cohabit/backups' ||
          path === '/var/lib/cohabit/unfinished'
        )
          continue;
        const s = await fs.lstat(full);
        if (s.isDirectory()) {
          files[path] = `dir ${(s.mode & 0o7777).toString(8)}`;
          await walk(full);
        } else if (s.isSymbolicLink()) files[path] = `link ${await fs.readlink(full)}`;
        else
          files[path] =
            `file ${(s.mode & 0o7777).toString(8)} ${(await fs.readFile(full)).toString('base64')}`;
      }
    };
    await walk(this.root);
    // A deep copy: the live maps keep changing after this is taken.
    return structuredClone({
      files,
      datasets: Object.fromEntries([...this.datasets].sort()),
      snapshots: [...this.snapshots].sort(),
      mounts: this.mounts,
      partitioned: [...this.partitioned].sort(),
      formatted: [...this.formatted].sort(),
      domains: [...this.domains].sort(),
      generation: this.generation,
    });
  }
}

export function makeTempDirs(base: string): { root: string; store: string } {
  const root = join(base, 'root');
  const store = join(base, 'store');
  mkdirSync(root, { recursive: true });
  mkdirSync(store, { recursive: true });
  return { root, store };
}

/**
 * A FakeMachine in a fresh temp directory (recorded in `dirs`, for the spec's afterEach to
 * remove) holding `files`.
 */
export async function tempFakeMachine(
  prefix: string,
  files: Record<string, { content: string; mode: number }>,
  dirs: string[],
): Promise<FakeMachine> {
  const base = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(base);
  const { root, store } = makeTempDirs(base);
  const m = new FakeMachine(root, store);
  await m.seed(files);
  return m;
}
