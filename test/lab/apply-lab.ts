// The lab applies the storage and boot part of the planner's seed plan for real, through the
// executor over SSH: real zvols, GPT, FAT and mounts, GRUB reading the path we emit, rollbacks.
// Two spec files run it, each on its own guest, so that the long injected-failure loop
// (rollbacks.lab.spec.ts) overlaps the rest (apply.lab.spec.ts) and the inventory lab.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zfsGrubPath } from '../../shared/emit/grub';
import type { Inventory } from '../../shared/model/inventory';
import type { Step } from '../../shared/model/plan';
import {
  DEFAULT_MOUNT_ROOT,
  fakeEfiDevice,
  fakeEfiPartition,
} from '../../shared/planner/planner-paths';
import { specOf } from '../../shared/ops/verbs';
import { HostError, describeArgv, runChecked } from '../../electron/host/host';
import type { RunOptions, RunResult } from '../../electron/host/host';
import { applyPlan } from '../../electron/helper/executor';
import { recover } from '../../electron/helper/recover';
import type { ExecHost, StreamOptions, WriteOptions } from '../../electron/helper/exec-host';
import { ForwardingExecHost } from '../../electron/helper/exec-host';
import { findUnfinished, journalPath } from '../../electron/helper/journal';
import { SshExecHost } from '../../electron/host/ssh-exec-host';
import type { SshError } from '../../electron/host/ssh-host';
import { bootLab, buildLabImage, labPrerequisites, createLabPool } from './boot';
import { nixosLikeInventory as labInventory, planForLab } from './lab-plan';
import type { PlanFiles } from './lab-plan';
import type { LabMachine } from './boot';

const missing = labPrerequisites(
  'apply lab',
  existsSync('/usr/bin/grub-fstest') ? [] : ['grub-fstest (apt-get install grub-common)'],
);

const POOL = 'zroot';
/** A file made as the lab starts: files changed after it are hashed by machineState. */
const LAB_START = '/run/cohabit-lab-start';
const DATASET = `${POOL}/new-system`;
const JOURNAL_DIR = '/var/lib/cohabit';

/**
 * Runs `after` once, right after the first call that matches really ran; by default it fails that
 * call: the worst moment for a rollback.
 */
class FailAfter extends ForwardingExecHost {
  fired = false;
  constructor(
    inner: ExecHost,
    private readonly match: string,
    private readonly after: (what: string) => Promise<void> = (what) => {
      throw new HostError('EIO', what, `injected failure after ${what}`);
    },
  ) {
    super(inner);
  }
  private async check(what: string): Promise<void> {
    if (this.fired || what !== this.match) return;
    this.fired = true;
    await this.after(what);
  }
  override async writeFileAtomic(
    path: string,
    bytes: Uint8Array,
    options: WriteOptions,
  ): Promise<void> {
    await this.inner.writeFileAtomic(path, bytes, options);
    await this.check(path);
  }
  override async runStreaming(argv: readonly string[], options: StreamOptions): Promise<RunResult> {
    const result = await this.inner.runStreaming(argv, options);
    await this.check(describeArgv(argv));
    return result;
  }
}

/** `rollbacks`: a failure injected after each step; `apply`: everything else. */
export function describeApplyLab(part: 'rollbacks' | 'apply'): void {
  // Tests of the other part are not registered at all (not shown as skipped).
  const test =
    (p: typeof part) =>
    (name: string, fn: () => Promise<void>, timeoutMs?: number): void => {
      if (p === part) it(name, fn, timeoutMs);
    };
  describe.skipIf(missing.length > 0)(
    `the seed plan applied in the lab guest over SSH (${part})`,
    () => {
      let lab: LabMachine;
      let host: SshExecHost;
      /**
       * The inventory of the guest as it is before any test changes it, read once (over SSH under TCG
       * a read takes about 17 s). The tests that use it leave the machine exactly as it was (each
       * asserts so with machineState); those after the real apply read it afresh.
       */
      let pristine: Inventory;
      const timings: string[] = [];
      const run = (argv: string[], options: RunOptions = {}) =>
        runChecked(lab.host, argv, { timeoutMs: 120_000, ...options });

      /**
       * Destroys a zvol a test just formatted. udev's blkid probe of the new filesystem can hold the
       * zvol for a moment (see the busy-destroy retry in docs/decisions.md): settle, try a few times.
       */
      async function destroyAfterUdev(volume: string): Promise<void> {
        for (let attempt = 1; ; attempt++) {
          await run(['udevadm', 'settle']);
          try {
            await run(['zfs', 'destroy', volume]);
            return;
          } catch (error) {
            if (attempt >= 3) throw error;
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        }
      }

      const nixosLikeInventory = () => labInventory(lab.host);
      const planFor = (inventory: Inventory, id: string, dataset = DATASET, known?: PlanFiles) =>
        planForLab(lab.host, inventory, id, dataset, known);

      /** Everything a rollback must restore: every dataset with every property, mounts, files. */
      async function machineState(): Promise<string> {
        // Destroyed datasets free their space asynchronously, and freed blocks stay deferred for two
        // more transaction groups: wait for `freeing` to reach 0, then sync past the deferral.
        await run([
          'sh',
          '-c',
          'i=0; until zpool sync "$1" && [ "$(zpool get -Hp -o value freeing "$1")" = 0 ]; do i=$((i+1)); [ $i -lt 100 ] || exit 1; sleep 0.2; done; zpool sync "$1"; zpool sync "$1"; zpool sync "$1"',
          'settle',
          POOL,
        ]);
        // Every property of every dataset, zvol and snapshot (`zfs list -o all` as one line per
        // property). One exception: ZFS's own pool metadata (the MOS, charged to the root dataset's
        // children) keeps a few KiB of ZAP blocks after a create and destroy, which moves the
        // pool-wide space figures; those are compared to within 1 MiB instead of exactly.
        const properties = async () =>
          (await run(['zfs', 'get', '-Hp', '-r', '-t', 'all', '-o', 'all', 'all', POOL]))
            .split('\n')
            .map((line) => {
              const [name, property, value] = line.split('\t');
              const poolWide =
                property === 'available' ||
                (name === POOL &&
                  ['used', 'usedbychildren', 'logicalused'].includes(property ?? ''));
              return poolWide
                ? `${name}\t${property}\t~${Math.round(Number(value) / 2 ** 20)} MiB`
                : line;
            })
            .join('\n');
        const mounts = async () =>
          (await run(['cat', '/proc/mounts']))
            .split('\n')
            .filter((l) => / (zfs|vfat) |\/mnt/.test(l))
            .join('\n');
        // The four reads at once: they are independent, and each is a round trip.
        return (
          await Promise.all([
            properties(),
            mounts(),
            run([
              'sh',
              '-c',
              // Paths, types, modes and owners of every entry, and the hash of every regular file
              // changed since the lab started (a file whose ctime is older cannot differ; hashing all
              // of /etc under TCG for every injected failure would cost minutes). The executor's
              // journal and markers (/var/lib/cohabit) are there by design and left out.
              'find /mnt /etc -xdev -printf "%p %y %m %u %g\\n" 2>/dev/null | sort; find /mnt /etc -xdev -type f -cnewer "$1" -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum',
              'state',
              LAB_START,
            ]),
            run(['sh', '-c', 'ls -R /dev/zvol 2>/dev/null; exit 0']),
          ])
        ).join('\n----\n');
      }

      beforeAll(async () => {
        let t = Date.now();
        const image = await buildLabImage();
        lab = await bootLab(image);
        host = new SshExecHost(lab.host);
        timings.push(`guest up in ${Math.round((Date.now() - t) / 1000)} s`);
        t = Date.now();
        await run(['touch', LAB_START]);
        await createLabPool(run, POOL);
        timings.push(`pool in ${Math.round((Date.now() - t) / 1000)} s`);
        t = Date.now();
        pristine = await nixosLikeInventory();
        timings.push(`inventory in ${Math.round((Date.now() - t) / 1000)} s`);
      });

      afterAll(async () => {
        console.info(`apply lab timings: ${timings.join('; ')}`);
        await lab?.stop();
      });

      test('apply')(
        'plans the storage and boot steps the helper runs here, in the recipe order',
        async () => {
          const { full, storage } = await planFor(pristine, '1ab0000000000001');
          expect(full.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
          expect(storage.steps.map((s) => s.call.verb)).toEqual([
            'zfs.createDataset',
            'zfs.createVolume',
            'disk.waitForDevice',
            'disk.partitionEsp',
            'disk.waitForDevice',
            'disk.mkfsFat',
            'fs.mkdir',
            'fs.mkdir',
            'fs.mount',
            'fs.mkdir',
            'fs.mount',
            'fs.mkdir',
            'fs.mkdir',
            'file.write',
            'file.write',
            'zfs.setUserProp',
            'fs.unmount',
            'fs.unmount',
          ]);
        },
      );

      test('rollbacks')(
        'a failure injected after each step leaves pool, mounts and files as they were',
        async () => {
          const t = Date.now();
          const inventory = pristine;
          const before = await machineState();
          // The machine is back as it was after each rollback, so the files read once stay true.
          const { storage: probe, files } = await planFor(inventory, '1ab0000000000002');
          // After every step (the fake machine also fails each one before and after its effect:
          // test/helper/planned-seed-apply.spec.ts).
          const chosen = probe.steps.map((_, i) => i);
          expect(chosen).toHaveLength(18);
          let n = 0;
          let applying = 0;
          let checking = 0;
          const calls = lab.host.remoteCalls;
          for (const index of chosen) {
            const step = probe.steps[index] as Step;
            const id = `1ab00000000001${String(index).padStart(2, '0')}`;
            const { storage } = await planFor(inventory, id, DATASET, files);
            const call = storage.steps[index]?.call;
            if (call === undefined || call.verb !== step.call.verb)
              throw new Error(`step ${index} moved`);
            const argv = specOf(call, id).argv(call.args);
            const faulty = new FailAfter(
              host,
              call.verb === 'file.write' ? call.args.path : describeArgv(argv ?? []),
            );
            let t0 = Date.now();
            const result = await applyPlan(storage, { host: faulty, journalDir: JOURNAL_DIR });
            applying += Date.now() - t0;
            const label = `${step.id} ${step.title}`;
            expect(faulty.fired, label).toBe(true);
            expect(result.status, `${label}: ${JSON.stringify(result)}`).toBe('rolled-back');
            expect(result.failedStep, label).toBe(step.id);
            expect(result.notUndone, label).toEqual([]);
            t0 = Date.now();
            expect(await machineState(), label).toBe(before);
            checking += Date.now() - t0;
            n++;
          }
          expect(n).toBe(chosen.length);
          expect(await findUnfinished(host, JOURNAL_DIR)).toEqual([]);
          timings.push(
            `${n} injected failures in ${Math.round((Date.now() - t) / 1000)} s (applies and rollbacks ${Math.round(applying / 1000)} s, state checks ${Math.round(checking / 1000)} s; ${lab.host.remoteCalls - calls} round trips)`,
          );
        },
        // About 420 s on an idle 2-core machine, 790 s in a .ci/run sharing it with other work:
        // 15 minutes was too close. CI's own limit (90 minutes) still leaves room.
        30 * 60_000,
      );

      test('apply')(
        'a busy mount stops the rollback: it says what it could not undo, the plan stays listed, and recover finishes once the mount is free',
        async () => {
          const t = Date.now();
          const inventory = pristine;
          const before = await machineState();
          const { storage } = await planFor(inventory, '1ab0000000000007');
          const lastWrite = storage.steps.findLast((s) => s.call.verb === 'file.write');
          if (lastWrite?.call.verb !== 'file.write') throw new Error('no file.write in the plan');
          const root = `${DEFAULT_MOUNT_ROOT}/new-system`;
          let holder = '';
          // As the last file is written, a process settles in the new system's root (a user's shell
          // would do the same), and then the step fails.
          const faulty = new FailAfter(host, lastWrite.call.args.path, async (what) => {
            holder = (
              await run([
                'sh',
                '-c',
                // The background job is a simple command whose every descriptor is redirected: the
                // SSH session can end while it runs on in that directory.
                'cd -- "$1" || exit 1; setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!',
                'hold',
                root,
              ])
            ).trim();
            throw new HostError('EIO', what, `injected failure after ${what}`);
          });
          const result = await applyPlan(storage, { host: faulty, journalDir: JOURNAL_DIR });
          expect(result.status, result.message).toBe('rollback-incomplete');
          expect(holder).toMatch(/^\d+$/);
          const busy = result.notUndone.filter((n) => /busy/.test(n.error));
          expect(busy.length, JSON.stringify(result.notUndone)).toBeGreaterThan(0);
          expect(result.message).toContain(`cohabit recover --rollback ${storage.id}`);
          // The ESP's mount inside it was not busy: that one is undone.
          expect(result.undone.map((u) => u.text).join('\n')).toMatch(/efi/);
          expect(await findUnfinished(host, JOURNAL_DIR)).toEqual([
            expect.objectContaining({ planId: storage.id, rollbackIncomplete: true }),
          ]);

          await run(['kill', holder]);
          await run([
            'sh',
            '-c',
            'while kill -0 "$1" 2>/dev/null; do sleep 0.1; done',
            'wait',
            holder,
          ]);
          const done = await recover(storage.id, 'rollback', { host, journalDir: JOURNAL_DIR });
          expect(done.status, done.message).toBe('rolled-back');
          expect(await machineState()).toBe(before);
          expect(await findUnfinished(host, JOURNAL_DIR)).toEqual([]);
          timings.push(`busy mount and recover in ${Math.round((Date.now() - t) / 1000)} s`);
        },
        5 * 60_000,
      );

      test('apply')(
        'through sudo -n as a login that is not root: applies as root and rolls back; a sudo that wants a password is refused plainly',
        async () => {
          const t = Date.now();
          const refused = await lab.connect('lab-nopw', { root: true }).then(
            () => null,
            (e: unknown) => e as SshError,
          );
          expect(`${refused?.message}\n${refused?.stderr}`).toMatch(
            /`sudo -n` failed \(sudo wants a password for lab-nopw\)/,
          );
          expect(refused).toMatchObject({ failure: 'sudo', code: 'EACCES' });

          const ssh = await lab.connect('lab', { root: true });
          try {
            expect(ssh.remoteUid).not.toBe(0);
            expect(ssh.usesSudo).toBe(true);
            const viaSudo = new SshExecHost(ssh);
            const inventory = pristine;
            const before = await machineState();
            const { storage } = await planFor(inventory, '1ab0000000000008', `${POOL}/by-sudo`);
            const mkfs = storage.steps.find((s) => s.call.verb === 'disk.mkfsFat');
            if (mkfs === undefined) throw new Error('no mkfs in the plan');
            const faulty = new FailAfter(
              viaSudo,
              describeArgv(specOf(mkfs.call, storage.id).argv(mkfs.call.args) ?? []),
            );
            const result = await applyPlan(storage, { host: faulty, journalDir: JOURNAL_DIR });
            expect(faulty.fired).toBe(true);
            expect(result.status, result.message).toBe('rolled-back');
            expect(result.undone.length).toBeGreaterThanOrEqual(5);
            expect(await machineState()).toBe(before);
            // Written as root: the journal is root's and private, though the login was `lab`.
            const journal = await lab.host.stat(journalPath(JOURNAL_DIR, storage.id));
            expect([journal.uid, journal.mode]).toEqual([0, 0o600]);
          } finally {
            await ssh.close();
          }
          timings.push(`sudo apply and rollback in ${Math.round((Date.now() - t) / 1000)} s`);
        },
        5 * 60_000,
      );

      test('apply')(
        'applies: legacy dataset with its cohabit: stamps, 50 MiB zvol, GPT with one EF00, FAT, the files',
        async () => {
          const t = Date.now();
          const inventory = pristine;
          const { storage } = await planFor(inventory, '1ab0000000000003');
          const progress: string[] = [];
          const result = await applyPlan(storage, {
            host,
            journalDir: JOURNAL_DIR,
            onEvent: (e) => {
              if (e.type === 'step-finished') progress.push(e.step);
            },
          });
          expect(result, JSON.stringify(result)).toMatchObject({ status: 'applied' });
          expect(progress).toEqual(storage.steps.map((s) => s.id));
          timings.push(
            `apply of ${storage.steps.length} steps in ${Math.round((Date.now() - t) / 1000)} s`,
          );

          const prop = async (p: string, ds = DATASET) =>
            (await run(['zfs', 'get', '-Hp', '-o', 'value,source', p, ds])).trim();
          expect(await prop('mountpoint')).toBe('legacy\tlocal');
          expect(await prop('cohabit:managed')).toBe('on\tlocal');
          expect(await prop('cohabit:role')).toBe('system\tlocal');
          expect(await prop('cohabit:journal')).toBe(`${storage.id}\tlocal`);
          expect(await prop('cohabit:system')).toBe('new-system\tlocal');
          expect(await prop('volsize', `${DATASET}/fake-efi`)).toBe(`${50 * 1024 * 1024}\tlocal`);
          expect(await prop('cohabit:role', `${DATASET}/fake-efi`)).toBe('system-esp\tlocal');

          const gpt = await run(['sgdisk', '-p', fakeEfiDevice(DATASET)]);
          const partitions = gpt.split('\n').filter((l) => /^\s+\d+\s+\d+\s+\d+/.test(l));
          expect(partitions, gpt).toHaveLength(1);
          expect(partitions[0]).toMatch(/^\s+1\s.*\sEF00\s+fake-efi$/);
          // sgdisk -p makes udev re-read the table, which briefly removes the -part1 link.
          await run(['udevadm', 'settle']);
          const fat = await run(['blkid', '-p', '-o', 'export', fakeEfiPartition(DATASET)]);
          expect(fat).toMatch(/^TYPE=vfat$/m);
          expect(fat).toMatch(/^LABEL=FAKEEFI$/m);

          // Nothing stays mounted; mounted again, the dataset holds the files exactly as planned.
          const mounts = await lab.host.readFile('/proc/mounts');
          expect(new TextDecoder().decode(mounts)).not.toMatch(/\/mnt\/cohabit/);
          await run(['mkdir', '-p', '/mnt/check']);
          await run(['mount', '-t', 'zfs', DATASET, '/mnt/check']);
          try {
            const writes = storage.steps.flatMap((s) =>
              s.call.verb === 'file.write' ? [s.call.args] : [],
            );
            expect(writes.map((w) => w.path)).toEqual([
              `${DEFAULT_MOUNT_ROOT}/new-system/etc/nixos/configuration.nix`,
              `${DEFAULT_MOUNT_ROOT}/new-system/etc/nixos/cohabit.nix`,
            ]);
            for (const w of writes) {
              const inside = w.path.replace(`${DEFAULT_MOUNT_ROOT}/new-system`, '/mnt/check');
              expect(new TextDecoder().decode(await lab.host.readFile(inside))).toBe(w.content);
              expect((await lab.host.stat(inside)).mode).toBe(w.mode);
            }
            expect((await lab.host.stat('/mnt/check/efi')).kind).toBe('dir');
          } finally {
            await run(['umount', '/mnt/check']);
          }
          // The plan is realised: planned again, the system needs nothing more.
          const again = await planFor(await nixosLikeInventory(), '1ab0000000000004');
          expect(again.storage.steps).toEqual([]);
        },
        10 * 60_000,
      );

      test('apply')(
        "grub-fstest reads the file at the path the generated chain entry points to, from the pool's disk image",
        async () => {
          // The path exactly as the planner writes it into the main system's module (the system is
          // installed now, so the plan holds only the main system's files).
          const { full } = await planFor(await nixosLikeInventory(), '1ab0000000000005');
          const module = full.steps.find(
            (s) => s.call.verb === 'file.write' && s.call.args.path === '/etc/nixos/cohabit.nix',
          );
          if (module?.call.verb !== 'file.write') throw new Error('no main module in the plan');
          const ours = /configfile \(\$drive1\)'([^']+)'/.exec(module.call.args.content)?.[1] ?? '';
          expect(ours).toBe(zfsGrubPath(DATASET, '/boot/grub/grub.cfg'));
          expect(ours).toBe('/new-system/@/boot/grub/grub.cfg');

          // What nixos-install would leave there: a grub.cfg inside the new system's dataset.
          const grubCfg = `# written by the Cohabit lab ${new Date().toISOString()}\nset timeout=5\nmenuentry 'NixOS' { linux /boot/kernel }\n`;
          await run(['mkdir', '-p', '/mnt/check']);
          await run(['mount', '-t', 'zfs', DATASET, '/mnt/check']);
          try {
            await host.mkdir('/mnt/check/boot/grub', 0o755, { recursive: true });
            await host.writeFileAtomic(
              '/mnt/check/boot/grub/grub.cfg',
              new TextEncoder().encode(grubCfg),
              {
                mode: 0o644,
              },
            );
          } finally {
            await run(['umount', '/mnt/check']);
          }
          // GRUB reads the disk image from the host side: the pool must be on disk and closed.
          await run(['zpool', 'export', POOL]);
          try {
            const image = lab.nvmeImages[0] ?? '';
            const { stdout } = await promisify(execFile)(
              'grub-fstest',
              [image, 'cat', `(loop0,gpt1)${ours}`],
              { timeout: 60_000, encoding: 'utf8' },
            );
            expect(stdout).toBe(grubCfg);
            // The same path without `@` is what GRUB refuses: the test would notice a wrong path.
            await expect(
              promisify(execFile)(
                'grub-fstest',
                [image, 'cat', '(loop0,gpt1)/new-system/boot/grub/grub.cfg'],
                {
                  timeout: 60_000,
                },
              ),
            ).rejects.toThrow();
          } finally {
            await run(['zpool', 'import', '-d', '/dev', POOL]);
          }
        },
        5 * 60_000,
      );

      test('apply')(
        'real GRUB gives the pool the UUID the chain entry searches for, and a filesystem labelled like the pool does not answer it',
        async () => {
          const { full } = await planFor(await nixosLikeInventory(), '1ab0000000000009');
          const module = full.steps.find(
            (s) => s.call.verb === 'file.write' && s.call.args.path === '/etc/nixos/cohabit.nix',
          );
          if (module?.call.verb !== 'file.write') throw new Error('no main module in the plan');
          const uuid = /--fs-uuid '([0-9a-f]{16})'/.exec(module.call.args.content)?.[1] ?? '';
          expect(module.call.args.content).not.toContain('--label');
          // grub-probe reads the pool's vdev with GRUB's own zfs driver (Debian's GRUB has no
          // libzfs), so this is the UUID `search --fs-uuid` compares with at boot.
          const probe = async (target: string, device: string) =>
            (await run(['grub-probe', `--target=${target}`, '--device', device])).trim();
          expect(await probe('fs_uuid', '/dev/nvme0n1p1')).toBe(uuid);
          expect(await probe('fs_label', '/dev/nvme0n1p1')).toBe(POOL);
          // A stick that happens to carry the pool's name as its label: GRUB gives it the same
          // label (so `search --label zroot` could pick it) but a UUID of its own.
          const impostor = `${POOL}/impostor`;
          await run(['zfs', 'create', '-V', '16M', impostor]);
          try {
            await run(['udevadm', 'settle']);
            await run(['mkfs.ext4', '-q', '-L', POOL, `/dev/zvol/${impostor}`]);
            const device = await run(['readlink', '-f', `/dev/zvol/${impostor}`]);
            expect(await probe('fs_label', device.trim())).toBe(POOL);
            expect(await probe('fs_uuid', device.trim())).not.toBe(uuid);
          } finally {
            await destroyAfterUdev(impostor);
          }
        },
        5 * 60_000,
      );

      test('apply')(
        'refuses a system under an encrypted dataset: grub.boot-encrypted, and no steps',
        async () => {
          await run(
            [
              'zfs',
              'create',
              '-o',
              'encryption=on',
              '-o',
              'keyformat=passphrase',
              '-o',
              'keylocation=prompt',
              `${POOL}/enc`,
            ],
            { input: 'correct horse battery staple\n' },
          );
          const inventory = await nixosLikeInventory();
          expect(inventory.zfs.datasets.find((d) => d.name === `${POOL}/enc`)?.encryption).toMatch(
            /^aes-/,
          );
          const { full } = await planFor(inventory, '1ab0000000000006', `${POOL}/enc/new-system`);
          const errors = full.diagnostics.filter((d) => d.severity === 'error');
          expect(errors.map((d) => d.code)).toContain('grub.boot-encrypted');
          expect(full.steps).toEqual([]);
          // Refused before anything ran, so nothing is created either.
          const list = await run(['zfs', 'list', '-H', '-o', 'name', '-r', `${POOL}/enc`]);
          expect(list.trim()).toBe(`${POOL}/enc`);
        },
      );
    },
  );
}
