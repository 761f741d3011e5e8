// `cohabit apply --host ssh://…` and `cohabit recover --host`: the executor runs here over a real
// sshd on 127.0.0.1 (this machine as the remote one), its journal in the remote /var/lib/cohabit.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockRealRootDirs } from '../../test/helper/real-root-lock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientOptions, sshdPrerequisites, startSshd, type Sshd } from '../../test/lab/local-sshd';
import { planOf } from '../../test/helper/seed-plan';
import type { EventChannel, EventPayload } from '../../shared/api/contract';
import { parseEvent } from '../../shared/api/contract';
import { createApplyRuns } from '../backend/apply-runs';
import { runCli } from './main';
import { applyCommand, recoverCommand } from './apply-command';
import type { RemoteOptions } from './apply-command';
import { DEFAULT_JOURNAL_DIR, journalPath, readPlanJournal } from '../helper/journal';
import { LocalExecHost } from '../helper/exec-host';
import { PlanStore } from '../backend/plan-store';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function planFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'cohabit-remote-'));
  dirs.push(dir);
  const file = join(dir, 'plan.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTty: false },
  };
}

async function cli(...argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await runCli(argv, {
    stdout: () => undefined,
    stderr: (t) => (err += t),
    isTty: false,
  });
  return { code, err };
}

const newDir = () => `/mnt/cohabit/remote-${randomBytes(6).toString('hex')}`;
const planId = () => randomBytes(8).toString('hex');

describe('apply and recover --host: the address', () => {
  it('refuses a hostile address before anything runs (exit 2)', async () => {
    const file = planFile(planOf([{ verb: 'fs.mkdir', args: { path: newDir(), mode: 0o755 } }]));
    const apply = await cli('apply', file, '--dry-run', '--host', 'ssh://root@-oProxyCommand=x');
    expect(apply.code).toBe(2);
    expect(apply.err).toMatch(/not a host name Cohabit accepts/);
    const recover = await cli('recover', '--host', 'ssh://root@server;reboot');
    expect(recover.code).toBe(2);
    expect(recover.err).toMatch(/not a host name Cohabit accepts/);
  });

  it('refuses --host together with an option that only names a local or recorded machine', async () => {
    const file = planFile(planOf([{ verb: 'fs.mkdir', args: { path: newDir(), mode: 0o755 } }]));
    for (const local of [['--demo'], ['--host-snapshot', 'x.json']]) {
      const r = await cli('apply', file, '--dry-run', '--host', 'ssh://root@server', ...local);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/cannot be used with option/);
    }
  });
});

const missing = sshdPrerequisites('apply over SSH');

describe.skipIf(missing.length > 0)('apply over a real sshd on 127.0.0.1', () => {
  let sshd: Sshd;
  let remote: RemoteOptions;
  let madeMountRoot = false;
  // The remote side is this machine: what the test makes in its /var/lib/cohabit goes afterwards.
  let hadJournalDir = true;
  let unlock = () => {};
  const created: string[] = [];
  const ids: string[] = [];
  const target = () => ({ user: 'root', host: '127.0.0.1', port: sshd.port });

  beforeAll(async () => {
    // This machine's real /mnt/cohabit and /var/lib/cohabit: one such spec at a time.
    unlock = await lockRealRootDirs();
    hadJournalDir = existsSync(DEFAULT_JOURNAL_DIR);
    sshd = await startSshd();
    remote = { ssh: clientOptions(sshd) };
    if (!existsSync('/mnt/cohabit')) {
      mkdirSync('/mnt/cohabit', { recursive: true });
      madeMountRoot = true;
    }
  }, 180_000);
  afterAll(() => {
    sshd?.process.kill();
    for (const d of created) rmSync(d, { recursive: true, force: true });
    for (const id of ids) {
      rmSync(journalPath(DEFAULT_JOURNAL_DIR, id), { force: true });
      rmSync(`${DEFAULT_JOURNAL_DIR}/backups/${id}`, { recursive: true, force: true });
    }
    if (madeMountRoot) rmSync('/mnt/cohabit', { recursive: true, force: true });
    if (!hadJournalDir) rmSync(DEFAULT_JOURNAL_DIR, { recursive: true, force: true });
    unlock();
  });

  it('dry-runs a plan on the remote machine: preconditions checked there, nothing made', async () => {
    const dir = newDir();
    const t = io();
    const code = await applyCommand(
      planFile(planOf([{ verb: 'fs.mkdir', args: { path: dir, mode: 0o755 } }], planId())),
      { dryRun: true, host: target() },
      t.io,
      remote,
    );
    expect(t.err.join('')).toBe('');
    expect(code).toBe(0);
    expect(t.out.join('')).toMatch(/Dry run of plan [0-9a-f]{16}: 1 steps/);
    expect(t.out.join('')).toContain('Nothing was changed.');
    expect(existsSync(dir)).toBe(false);
  });

  it('reports refused preconditions read on the remote machine (exit 2)', async () => {
    const dir = newDir();
    mkdirSync(dir);
    created.push(dir);
    const t = io();
    const code = await applyCommand(
      planFile(
        planOf(
          [
            { verb: 'fs.mkdir', args: { path: dir, mode: 0o755 } },
            { verb: 'fs.mkdir', args: { path: '/srv/outside', mode: 0o755 } },
          ],
          planId(),
        ),
      ),
      { dryRun: true, host: target() },
      t.io,
      remote,
    );
    expect(code).toBe(2);
    expect(t.out.join('')).toContain(`${dir} already exists`);
    expect(t.out.join('')).toContain('/srv/outside is outside the mount root /mnt/cohabit');
  });

  // About 18 s on an idle 2-core machine (a real sshd, two applies and a rollback): the default
  // 20 s left no room for a busy one.
  it('applies for real with --yes, rolls back a failed step, and keeps the journal remotely', async () => {
    const dir = newDir();
    created.push(dir);
    const id = planId();
    ids.push(id);
    const t = io();
    // The second mkdir has no parent (mkdir runs without -p), so it fails after the first ran.
    const code = await applyCommand(
      planFile(
        planOf(
          [
            { verb: 'fs.mkdir', args: { path: dir, mode: 0o750 } },
            { verb: 'fs.mkdir', args: { path: `${dir}-missing/child`, mode: 0o755 } },
          ],
          id,
        ),
      ),
      { yes: true, host: target() },
      t.io,
      remote,
    );
    const out = t.out.join('');
    expect(code).toBe(1);
    expect(out).toMatch(/Applying plan [0-9a-f]{16}: 2 steps/);
    expect(out).toContain(`undone s01`);
    expect(existsSync(dir)).toBe(false);
    // The remote side is this machine, so its /var/lib/cohabit holds the ended journal.
    const state = await readPlanJournal(new LocalExecHost(), DEFAULT_JOURNAL_DIR, id);
    expect(state.ended).not.toBeNull();
    // The failed step's undo runs too (it may have half-happened); the first one is gone.
    expect(state.steps.map((s) => [s.step, s.done, s.undone])).toEqual([
      ['s01', true, true],
      ['s02', false, true],
    ]);

    const list = io();
    expect(await recoverCommand(undefined, { host: target() }, list.io, remote)).toBe(0);
    expect(list.out.join('')).toContain('No unfinished plan');
  }, 90_000);

  it('the app: a dry run on an ssh machine goes through the executor there, not a walk-through', async () => {
    const dir = newDir();
    const events: { channel: EventChannel; payload: unknown }[] = [];
    let done: (p: EventPayload<'apply:done'>) => void = () => undefined;
    const finished = new Promise<EventPayload<'apply:done'>>((r) => (done = r));
    const runs = createApplyRuns(
      (channel, payload) => {
        events.push({ channel, payload: parseEvent(channel, payload) });
        if (channel === 'apply:done') done(payload as EventPayload<'apply:done'>);
      },
      { ssh: clientOptions(sshd) },
    );
    const ssh = { kind: 'ssh' as const, target: target() };
    const stored = await new PlanStore().keep(
      planOf(
        [
          { verb: 'fs.mkdir', args: { path: dir, mode: 0o755 } },
          { verb: 'fs.mkdir', args: { path: '/mnt/cohabit', mode: 0o755 } },
        ],
        planId(),
      ),
      { origin: { kind: 'made' }, machine: 'ssh', inventory: null },
    );
    runs.start(ssh, stored, true);
    const outcome = (await finished).outcome;
    // The second step's directory exists on the remote machine: only a real check can know.
    expect(outcome.result?.status).toBe('refused');
    expect(outcome.result?.problems).toHaveLength(1);
    expect(outcome.result?.problems[0]).toMatch(/^Step s02 .*: \/mnt\/cohabit already exists$/);
    expect(outcome.message).not.toMatch(/recorded machine/);
    expect(existsSync(dir)).toBe(false);
    expect(runs.busy()).toBe(false);

    expect(await runs.unfinished(ssh)).toEqual({ plans: [], checked: true, note: null });
  });
});
