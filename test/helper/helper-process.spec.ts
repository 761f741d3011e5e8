// The helper as a real process: malformed input ends it with exit 2 and no change, kill -9 in the
// middle of a file write leaves old or new content (never a mix) and the journal finishes the
// rollback, and every elevation path (pkexec 126/127, killed mid-step, early exit) ends clearly.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recover } from '../../electron/helper/recover';
import { planSha256 } from '../../shared/ops/plan-identity';
import { findUnfinished } from '../../electron/helper/journal';
import { createHash } from 'node:crypto';
import { runHelper } from '../../electron/helper/helper-main';
import { chooseElevation, runRequest } from '../../electron/helper/elevate';
import type { HelperEvent } from '../../shared/ops/helper-protocol';
import { FakeMachine, makeTempDirs } from './fake-machine';
import { HOST_CONFIGURATION, SEED_PLAN_ID, planOf } from './seed-plan';

/** The expected hash, computed apart from the helper's own (Web Crypto) with node:crypto. */
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

const REPO = resolve(import.meta.dirname, '../..');
const ENTRY = join(REPO, 'test/helper/helper-under-test.ts');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function machine() {
  const base = mkdtempSync(join(tmpdir(), 'cohabit-helper-'));
  dirs.push(base);
  const { root, store } = makeTempDirs(base);
  const m = new FakeMachine(root, store);
  await m.seed({ '/etc/nixos/configuration.nix': { content: OLD_CONTENT, mode: 0o640 } });
  return { m, base };
}

// Big enough that half of it is clearly not the old file nor the new one. The helper changes a
// configuration only by the import line, so the new file is the old one with that line added.
const OLD_CONTENT = `${HOST_CONFIGURATION}${'# a long comment the user keeps\n'.repeat(8000)}`;
const NEW_CONTENT = OLD_CONTENT.replace(
  '[ ./hardware-configuration.nix ]',
  '[ ./hardware-configuration.nix ./cohabit.nix ]',
);
const filePlan = () =>
  planOf([
    {
      verb: 'file.write',
      args: { path: '/etc/nixos/cohabit.nix', content: '{ }\n', mode: 0o644, previousSha256: null },
    },
    {
      verb: 'file.write',
      args: {
        path: '/etc/nixos/configuration.nix',
        content: NEW_CONTENT,
        mode: 0o644,
        previousSha256: sha256Hex(OLD_CONTENT),
      },
    },
  ]);

async function helperWith(input: string, isRoot = true) {
  const { m } = await machine();
  const before = await m.state();
  const out: string[] = [];
  const code = await runHelper({
    input: [input],
    write: (l) => out.push(l),
    host: m,
    journalDir: '/var/lib/cohabit',
    isRoot,
  });
  const events = out.map((l) => JSON.parse(l) as HelperEvent);
  return { code, events, unchanged: JSON.stringify(await m.state()) === JSON.stringify(before) };
}

describe('malformed input ends the helper with exit 2 and no change', () => {
  const cases: [string, string, string][] = [
    ['not JSON', 'hello\n', 'not JSON'],
    ['an unknown type', '{"type":"run","argv":["rm","-rf","/"]}\n', 'request is not valid'],
    [
      'a plan that fails the schema',
      JSON.stringify({
        type: 'apply',
        plan: { format: 'x' },
        sha256: '0'.repeat(64),
        dryRun: false,
      }) + '\n',
      'plan is not valid',
    ],
    ['nothing at all', '', 'No request'],
    [
      'a 100 MB plan',
      `{"type":"apply","plan":"${'x'.repeat(100 * 1024 * 1024)}"}\n`,
      'larger than 16 MiB',
    ],
  ];
  for (const [name, input, text] of cases)
    it(name, async () => {
      const r = await helperWith(input);
      expect(r.code).toBe(2);
      expect(r.events).toHaveLength(1);
      expect(r.events[0]).toMatchObject({ type: 'error' });
      expect(JSON.stringify(r.events[0])).toContain(text);
      expect(JSON.stringify(r.events[0])).toContain('Nothing was changed.');
      expect(r.unchanged).toBe(true);
    });

  it('refuses to run when it is not root', async () => {
    const r = await helperWith(JSON.stringify({ type: 'list-unfinished' }) + '\n', false);
    expect(r.code).toBe(4);
    expect(JSON.stringify(r.events[0])).toContain('must run as root');
  });

  it('applies a valid request and reports the result last', async () => {
    const plan = filePlan();
    const r = await helperWith(
      JSON.stringify({ type: 'apply', plan, sha256: await planSha256(plan), dryRun: false }) + '\n',
    );
    expect(r.code).toBe(0);
    expect(r.events.at(-1)).toMatchObject({ type: 'result', result: { status: 'applied' } });
    expect(r.unchanged).toBe(false);
  });
});

/** A directory with fake pkexec/sudo and the helper wrapper pkexec runs. */
function fakeTools(base: string, pkexecBody: string, env: Record<string, string>) {
  const bin = join(base, 'bin');
  rmSync(bin, { recursive: true, force: true });
  const helper = join(base, 'helper.sh');
  const exports = Object.entries(env)
    .map(([k, v]) => `export ${k}='${v}'`)
    .join('\n');
  writeFileSync(
    helper,
    `#!/bin/sh\n${exports}\ncd '${REPO}'\nexec '${process.execPath}' --import tsx '${ENTRY}'\n`,
  );
  chmodSync(helper, 0o755);
  mkdirSync(bin);
  writeFileSync(join(bin, 'pkexec'), `#!/bin/sh\n${pkexecBody}\n`);
  chmodSync(join(bin, 'pkexec'), 0o755);
  return { helper, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } };
}

describe('elevation paths', () => {
  async function viaPkexec(body: string, extraEnv: Record<string, string> = {}) {
    const { m, base } = await machine();
    const before = await m.state();
    const tools = fakeTools(base, body, {
      COHABIT_TEST_ROOT: m.root,
      COHABIT_TEST_STORE: m.store,
      ...extraEnv,
    });
    const plan = filePlan();
    const events: HelperEvent[] = [];
    const outcome = await runRequest(
      { type: 'apply', plan, sha256: await planSha256(plan), dryRun: false },
      { mode: 'pkexec', helperPath: tools.helper, env: tools.env, onEvent: (e) => events.push(e) },
    );
    return { m, before, outcome, events };
  }

  it('pkexec 126: the dialog was dismissed, nothing changed', async () => {
    const r = await viaPkexec('exit 126');
    expect(r.outcome.kind).toBe('dismissed');
    expect(r.outcome.message).toBe('You dismissed the authentication dialog; nothing was changed.');
    expect(await r.m.state()).toEqual(r.before);
  });

  it('pkexec 127: not authorised, nothing changed', async () => {
    const r = await viaPkexec('exit 127');
    expect(r.outcome.kind).toBe('not-authorised');
    expect(r.outcome.message).toContain('not authorised');
    expect(await r.m.state()).toEqual(r.before);
  });

  it('the helper exits before doing anything: a clear message naming the reason', async () => {
    const r = await viaPkexec('echo "pkexec: cannot find helper" >&2; exit 1');
    expect(r.outcome.kind).toBe('exited-early');
    expect(r.outcome.message).toContain('cannot find helper');
    expect(r.outcome.message).toContain('Nothing was changed.');
    expect(await r.m.state()).toEqual(r.before);
  });

  it('a real pkexec run streams events and ends with the result', async () => {
    const r = await viaPkexec('shift; exec "$@"');
    expect(r.outcome.kind).toBe('finished');
    expect(r.outcome.result?.status).toBe('applied');
    expect(r.events.map((e) => e.type)).toContain('step-started');
    expect(readFileSync(r.m.map('/etc/nixos/configuration.nix'), 'utf8')).toBe(NEW_CONTENT);
  }, 30_000);

  it('kill -9 in the middle of a file write: old content, never a mix; recovery finishes the rollback', async () => {
    // The fake pkexec kills the helper (same pid after exec) once it paused half-way through the write.
    const r = await viaPkexec('shift; (sleep 4; kill -9 $$) & exec "$@"', {
      COHABIT_TEST_PAUSE_WRITE: '/etc/nixos/configuration.nix@half',
    });
    expect(r.outcome.kind).toBe('stopped-mid-step');
    expect(r.outcome.recoverPlanId).toBe(SEED_PLAN_ID);
    expect(r.outcome.message).toContain('cohabit recover 0123456789abcdef');
    // Half a file sits in the temp file; the real path still holds the old content.
    expect(readFileSync(r.m.map('/etc/nixos/configuration.nix'), 'utf8')).toBe(OLD_CONTENT);
    expect(readdirSync(r.m.map('/etc/nixos')).some((n) => n.endsWith('.tmp'))).toBe(true);
    const unfinished = await findUnfinished(r.m, '/var/lib/cohabit');
    expect(unfinished).toEqual([
      expect.objectContaining({ planId: SEED_PLAN_ID, doneSteps: 1, inFlight: 's02' }),
    ]);
    const result = await recover(SEED_PLAN_ID, 'rollback', {
      host: r.m,
      journalDir: '/var/lib/cohabit',
    });
    expect(result.status).toBe('rolled-back');
    expect(await r.m.state()).toEqual(r.before);
  }, 30_000);

  it('kill -9 right after the rename: the new content whole; recovery puts the old one back', async () => {
    const r = await viaPkexec('shift; (sleep 4; kill -9 $$) & exec "$@"', {
      COHABIT_TEST_PAUSE_WRITE: '/etc/nixos/configuration.nix@renamed',
    });
    expect(r.outcome.kind).toBe('stopped-mid-step');
    expect(readFileSync(r.m.map('/etc/nixos/configuration.nix'), 'utf8')).toBe(NEW_CONTENT);
    const result = await recover(SEED_PLAN_ID, 'rollback', {
      host: r.m,
      journalDir: '/var/lib/cohabit',
    });
    expect(result.status).toBe('rolled-back');
    expect(await r.m.state()).toEqual(r.before);
    expect((await r.m.stat('/etc/nixos/configuration.nix')).mode).toBe(0o640);
  }, 30_000);
});

describe('sudo from a terminal', () => {
  /** A fake sudo first on PATH; sudo(8) exits 1 both for a wrong password and for a user it refuses. */
  async function viaSudo(body: string) {
    const { m, base } = await machine();
    const before = await m.state();
    const tools = fakeTools(base, 'exit 99', {
      COHABIT_TEST_ROOT: m.root,
      COHABIT_TEST_STORE: m.store,
    });
    writeFileSync(join(base, 'bin', 'sudo'), `#!/bin/sh\n${body}\n`);
    chmodSync(join(base, 'bin', 'sudo'), 0o755);
    const plan = filePlan();
    const outcome = await runRequest(
      { type: 'apply', plan, sha256: await planSha256(plan), dryRun: false },
      { mode: 'sudo', helperPath: tools.helper, env: tools.env },
    );
    return { m, before, outcome };
  }

  const refusals: [string, string][] = [
    [
      'three wrong passwords',
      'echo "Sorry, try again." >&2; echo "Sorry, try again." >&2; echo "sudo: 3 incorrect password attempts" >&2; exit 1',
    ],
    ['a user not in sudoers', 'echo "alice is not in the sudoers file." >&2; exit 1'],
  ];
  for (const [name, body] of refusals)
    it(`${name}: sudo refused or the password was wrong, nothing changed`, async () => {
      const r = await viaSudo(body);
      expect(r.outcome).toMatchObject({
        kind: 'not-authorised',
        message: 'sudo refused or the password was wrong; nothing was changed.',
        recoverPlanId: null,
        exitCode: 1,
      });
      expect(await r.m.state()).toEqual(r.before);
    });

  it('a sudo that lets the helper run: the plan applies', async () => {
    const r = await viaSudo('shift; exec "$@"');
    expect(r.outcome.kind).toBe('finished');
    expect(r.outcome.result?.status).toBe('applied');
    expect(readFileSync(r.m.map('/etc/nixos/configuration.nix'), 'utf8')).toBe(NEW_CONTENT);
  }, 30_000);
});

describe('the marker of an unfinished plan', () => {
  it('outlives a kill -9 of the helper, and goes once recovery ends the plan', async () => {
    const { m, base } = await machine();
    const tools = fakeTools(base, 'shift; (sleep 4; kill -9 $$) & exec "$@"', {
      COHABIT_TEST_ROOT: m.root,
      COHABIT_TEST_STORE: m.store,
      COHABIT_TEST_PAUSE_WRITE: '/etc/nixos/configuration.nix@half',
    });
    const plan = filePlan();
    const outcome = await runRequest(
      { type: 'apply', plan, sha256: await planSha256(plan), dryRun: false },
      { mode: 'pkexec', helperPath: tools.helper, env: tools.env },
    );
    expect(outcome.kind).toBe('stopped-mid-step');
    const marker = m.map(`/var/lib/cohabit/unfinished/${SEED_PLAN_ID}`);
    expect(statSync(marker).mode & 0o777).toBe(0o644);
    expect(statSync(m.map('/var/lib/cohabit/unfinished')).mode & 0o777).toBe(0o755);
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toEqual({
      planId: SEED_PLAN_ID,
      startedAt: expect.any(String) as string,
      totalSteps: 2,
      doneSteps: 1,
      inFlight: 's02',
    });
    // Nothing from the plan itself: no path, no content.
    expect(readFileSync(marker, 'utf8')).not.toContain('/etc/nixos');
    const out: string[] = [];
    const code = await runHelper({
      input: [JSON.stringify({ type: 'recover', planId: SEED_PLAN_ID, mode: 'rollback' }) + '\n'],
      write: (l) => out.push(l),
      host: m,
      journalDir: '/var/lib/cohabit',
      isRoot: true,
    });
    expect(code).toBe(1);
    expect(existsSync(marker)).toBe(false);
  }, 30_000);

  it("a marker left behind is cleaned on the helper's next run; one of a live journal stays", async () => {
    const { m } = await machine();
    // Synthetic leftovers: a plan that ended (the helper died after its final record), a marker
    // whose journal never got written, and a plan still unfinished.
    const dir = m.map('/var/lib/cohabit');
    mkdirSync(join(dir, 'unfinished'), { recursive: true });
    mkdirSync(join(dir, 'journal'), { recursive: true });
    const marker = (id: string) =>
      writeFileSync(
        join(dir, 'unfinished', id),
        JSON.stringify({ planId: id, startedAt: 'x', totalSteps: 2, doneSteps: 0, inFlight: null }),
      );
    const plan = filePlan();
    const head =
      JSON.stringify({ t: 'plan', plan, sha256: await planSha256(plan), at: 'x' }) + '\n';
    const ended = JSON.stringify({ t: 'end', status: 'applied', at: 'x' }) + '\n';
    const ids = { ended: 'aaaaaaaaaaaaaaaa', orphan: 'bbbbbbbbbbbbbbbb', live: SEED_PLAN_ID };
    writeFileSync(
      join(dir, 'journal', `${ids.ended}.jsonl`),
      head.replace(SEED_PLAN_ID, ids.ended) + ended,
    );
    writeFileSync(join(dir, 'journal', `${ids.live}.jsonl`), head);
    for (const id of Object.values(ids)) marker(id);
    const out: string[] = [];
    await runHelper({
      input: [JSON.stringify({ type: 'list-unfinished' }) + '\n'],
      write: (l) => out.push(l),
      host: m,
      journalDir: '/var/lib/cohabit',
      isRoot: true,
    });
    expect(readdirSync(join(dir, 'unfinished'))).toEqual([ids.live]);
    expect(JSON.parse(out[0] ?? '')).toMatchObject({ plans: [{ planId: ids.live }] });
  });
});

describe('chooseElevation', () => {
  it('root runs in-process, a desktop session uses pkexec, a bare terminal uses sudo', () => {
    expect(chooseElevation({ euid: 0, env: {}, stdinIsTty: true })).toBe('in-process');
    expect(
      chooseElevation({ euid: 1000, env: { WAYLAND_DISPLAY: 'wayland-0' }, stdinIsTty: true }),
    ).toBe('pkexec');
    expect(chooseElevation({ euid: 1000, env: {}, stdinIsTty: true })).toBe('sudo');
    expect(chooseElevation({ euid: 1000, env: {}, stdinIsTty: false })).toBe('pkexec');
  });
});
