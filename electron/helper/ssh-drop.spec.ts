// A connection that drops mid-step, against a real sshd behind a relay on 127.0.0.1 that can cut it:
// the remote command is stopped before anything else runs, a cut-short transfer never lands, and
// the executor rolls back what it can reach, says what it could not, and recover finishes later.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockRealRootDirs } from '../../test/helper/real-root-lock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  sshdPrerequisites,
  relayClientOptions,
  startRelay,
  startSshd,
} from '../../test/lab/local-sshd';
import type { Relay, Sshd } from '../../test/lab/local-sshd';
import { planOf } from '../../test/helper/seed-plan';
import { SshError, SshHost } from '../host/ssh-host';
import type { WriteOptions } from './exec-host';
import { applyPlan } from './executor';
import { recover } from './recover';
import { DEFAULT_JOURNAL_DIR, findUnfinished, journalPath, readPlanJournal } from './journal';
import { LocalExecHost } from './exec-host';
import { SshExecHost } from '../host/ssh-exec-host';

const missing = sshdPrerequisites('the dropped-connection tests');

// The client-to-server direction runs at 1 MiB/s, so a 1 MiB transfer takes about 1 s.
const RATE = 1024 * 1024;
const MiB = 1024 * 1024;

/** An ExecHost that calls `onWrite` as an atomic write of `path` starts (to cut it mid-way). */
class WatchWrites extends SshExecHost {
  constructor(
    ssh: SshHost,
    private readonly path: string,
    private readonly onWrite: () => void,
  ) {
    super(ssh);
  }
  override writeFileAtomic(path: string, bytes: Uint8Array, options: WriteOptions): Promise<void> {
    if (path === this.path) this.onWrite();
    return super.writeFileAtomic(path, bytes, options);
  }
}

async function until(what: string, test: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Processes here (the "remote" side is this machine) whose argv matches, `null` matching any. */
const processes = (...argv: (string | null)[]): string[][] =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').slice(0, -1);
        return argv.every((a, i) => a === null || cmd[i] === a) ? [cmd] : [];
      } catch {
        return [];
      }
    });

describe.skipIf(missing.length > 0)('a connection that drops mid-step', () => {
  let sshd: Sshd;
  let relay: Relay;
  const opened: SshHost[] = [];
  const made: string[] = [];
  const ids: string[] = [];
  let madeMountRoot = false;
  let hadJournalDir = true;
  let unlock = () => {};

  const connect = async () => {
    const ssh = await SshHost.connect(
      { user: 'root', host: '127.0.0.1', port: relay.port },
      relayClientOptions(sshd),
    );
    opened.push(ssh);
    return ssh;
  };
  /** Cuts every connection once `n` more bytes went out (a transfer is then well under way). */
  const cutAfter = (n: number, stayDown: boolean) => {
    const start = relay.sent;
    void until('the transfer to start', () => relay.sent - start >= n, 20_000).then(() => {
      if (stayDown) relay.down();
      relay.cut();
    });
  };

  beforeAll(async () => {
    // This machine's real /mnt/cohabit and /var/lib/cohabit: one such spec at a time.
    unlock = await lockRealRootDirs();
    hadJournalDir = existsSync(DEFAULT_JOURNAL_DIR);
    sshd = await startSshd();
    relay = await startRelay(sshd.port, { bytesPerSecond: RATE });
    if (!existsSync('/mnt/cohabit')) {
      mkdirSync('/mnt/cohabit', { recursive: true });
      madeMountRoot = true;
    }
  }, 180_000);
  afterEach(async () => {
    relay.up();
    for (const ssh of opened.splice(0)) await ssh.close();
  });
  afterAll(async () => {
    await relay?.close();
    sshd?.process.kill();
    for (const p of made) rmSync(p, { recursive: true, force: true });
    for (const id of ids) rmSync(journalPath(DEFAULT_JOURNAL_DIR, id), { force: true });
    if (madeMountRoot) rmSync('/mnt/cohabit', { recursive: true, force: true });
    if (!hadJournalDir) rmSync(DEFAULT_JOURNAL_DIR, { recursive: true, force: true });
    unlock();
  });

  it('stops the command the dropped connection left running, before anything else happens', async () => {
    const ssh = await connect();
    const tag = `cohabit-drop-${randomBytes(4).toString('hex')}`;
    // Not a simple command, so the shell stays (with its argv) rather than exec'ing sleep.
    const argv = ['sh', '-c', 'sleep 30; :', tag];
    const call = ssh.runStreaming(argv, { timeoutMs: 60_000 });
    await until('the remote command', () => processes(...argv).length > 0);
    relay.cut();
    const error = (await call.then(
      () => null,
      (e: unknown) => e,
    )) as SshError;
    expect(error).toBeInstanceOf(SshError);
    expect(error.failure).toBe('dropped');
    expect(error.message).toMatch(
      /the connection dropped while `sh -c sleep 30; : cohabit-drop-\w+` ran; it was still running and has been stopped/,
    );
    // sshd does not stop it by itself: without Cohabit it would have run on for 30 s.
    expect(processes(...argv)).toEqual([]);
    // The next call simply opens a new connection.
    expect((await ssh.run(['echo', 'again'])).stdout).toBe('again\n');
  }, 30_000);

  it('a remote command that exits 255 is an exit code, not a dropped connection', async () => {
    const ssh = await connect();
    const r = await ssh.run(['sh', '-c', 'echo out; exit 255']);
    expect(r).toMatchObject({ exitCode: 255, stdout: 'out\n' });
  });

  it('a write cut short never replaces the file, and a cut-short journal record is not appended', async () => {
    const ssh = await connect();
    const host = new SshExecHost(ssh);
    const dir = `/mnt/cohabit/drop-${randomBytes(4).toString('hex')}`;
    mkdirSync(dir);
    made.push(dir);
    writeFileSync(join(dir, 'target'), 'before\n');
    writeFileSync(join(dir, 'journal'), '{"t":"first"}\n');
    cutAfter(128 * 1024, false);
    await expect(
      host.writeFileAtomic(join(dir, 'target'), new Uint8Array(MiB).fill(0x61), { mode: 0o644 }),
    ).rejects.toThrow();
    cutAfter(128 * 1024, false);
    await expect(
      host.appendDurable(join(dir, 'journal'), `${'x'.repeat(MiB)}\n`),
    ).rejects.toThrow();
    // Whatever the remote side received, nothing of it landed (and no temp file stayed behind).
    await until(
      'the remote side to finish',
      () =>
        processes('sh', '-c', null, 'cohabit-write').length +
          processes('sh', '-c', null, 'cohabit-append').length ===
        0,
    );
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('before\n');
    expect(readFileSync(join(dir, 'journal'), 'utf8')).toBe('{"t":"first"}\n');
    expect(readdirSync(dir).sort()).toEqual(['journal', 'target']);
  }, 60_000);

  // Files are written only where the planner writes them: a system's configuration.nix under the mount root.
  const bigFile = (dir: string) => `${dir}/etc/nixos/configuration.nix`;
  function dropPlan(dir: string, id: string) {
    return planOf(
      [
        { verb: 'fs.mkdir', args: { path: dir, mode: 0o755 } },
        { verb: 'fs.mkdir', args: { path: `${dir}/etc`, mode: 0o755 } },
        { verb: 'fs.mkdir', args: { path: `${dir}/etc/nixos`, mode: 0o755 } },
        {
          verb: 'file.write',
          args: {
            path: bigFile(dir),
            content: 'a'.repeat(MiB - 64),
            mode: 0o644,
            previousSha256: null,
          },
        },
        { verb: 'fs.mkdir', args: { path: `${dir}/after`, mode: 0o755 } },
      ],
      id,
    );
  }

  it('the connection comes back: the step fails, the rollback reconnects and the machine is as before', async () => {
    const ssh = await connect();
    const dir = `/mnt/cohabit/drop-${randomBytes(4).toString('hex')}`;
    const id = randomBytes(8).toString('hex');
    made.push(dir);
    ids.push(id);
    const host = new WatchWrites(ssh, bigFile(dir), () => cutAfter(128 * 1024, false));
    const result = await applyPlan(dropPlan(dir, id), {
      host,
      journalDir: DEFAULT_JOURNAL_DIR,
    });
    expect(result.status, result.message).toBe('rolled-back');
    expect(result.failedStep).toBe('s04');
    // Whether the remote shell's first line made it back before the cut depends on timing.
    expect(result.message).toMatch(
      new RegExp(
        `the connection dropped (while|before) \`cohabit-write ${bigFile(dir)}\` (ran|was seen to start)`,
      ),
    );
    expect(existsSync(dir)).toBe(false);
    const state = await readPlanJournal(new LocalExecHost(), DEFAULT_JOURNAL_DIR, id);
    expect(state.ended).toMatchObject({ status: 'rolled-back' });
  }, 60_000);

  it('the machine stays out of reach: what could not be undone is said, and recover finishes it later', async () => {
    const ssh = await connect();
    const dir = `/mnt/cohabit/drop-${randomBytes(4).toString('hex')}`;
    const id = randomBytes(8).toString('hex');
    made.push(dir);
    ids.push(id);
    const host = new WatchWrites(ssh, bigFile(dir), () => cutAfter(128 * 1024, true));
    const result = await applyPlan(dropPlan(dir, id), {
      host,
      journalDir: DEFAULT_JOURNAL_DIR,
    });
    expect(result.status, result.message).toBe('rollback-incomplete');
    expect(result.failedStep).toBe('s04');
    // The write in flight and the directories before it: none could be checked or undone.
    expect(result.notUndone.map((n) => n.step)).toEqual(['s04', 's03', 's02', 's01']);
    expect(result.notUndone[1]?.error).toMatch(
      /^not tried: ssh:\/\/root@127\.0\.0\.1:\d+ could not be reached/,
    );
    expect(result.message).toMatch(/could not be written either/);
    expect(result.message).toContain(`cohabit recover --rollback ${id}`);
    expect(existsSync(dir)).toBe(true);
    // The journal holds every undo, written before its step; nothing after the drop.
    const local = new LocalExecHost();
    const state = await readPlanJournal(local, DEFAULT_JOURNAL_DIR, id);
    expect(state.ended).toBeNull();
    expect(state.steps.map((s) => [s.step, s.done, s.undone])).toEqual([
      ['s01', true, false],
      ['s02', true, false],
      ['s03', true, false],
      ['s04', false, false],
    ]);

    relay.up();
    const again = new SshExecHost(await connect());
    // This machine's real /var/lib/cohabit: only this plan's marker is this test's to judge
    // (another spec's plan may be running beside it).
    const ours = async () =>
      (await findUnfinished(again, DEFAULT_JOURNAL_DIR)).filter((u) => u.planId === id);
    expect(await ours()).toEqual([
      expect.objectContaining({ planId: id, doneSteps: 3, inFlight: 's04' }),
    ]);
    const recovered = await recover(id, 'rollback', {
      host: again,
      journalDir: DEFAULT_JOURNAL_DIR,
    });
    expect(recovered.status, recovered.message).toBe('rolled-back');
    expect(existsSync(dir)).toBe(false);
    expect(await ours()).toEqual([]);
  }, 90_000);
});
