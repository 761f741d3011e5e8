// A dry run on a machine that lacks a tool says so in a sentence with what to install, once per
// tool, naming the steps that need it; it does not end with the shell's "command not found".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeMachine, makeTempDirs } from '../../test/helper/fake-machine';
import { HOST_CONFIGURATION, seedPlan } from '../../test/helper/seed-plan';
import { HostError } from '../host/host';
import type { RunOptions, RunResult } from '../host/host';
import { runRequest } from './elevate';
import { ForwardingExecHost } from './exec-host';
import { planSha256 } from '../../shared/ops/plan-identity';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The fake machine without some programs, failing as LocalHost does for a missing one. */
class Without extends ForwardingExecHost {
  constructor(
    inner: FakeMachine,
    private readonly absent: string[],
  ) {
    super(inner);
  }
  override run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    const [file = ''] = argv;
    if (this.absent.includes(file))
      return Promise.reject(new HostError('ENOENT', argv.join(' '), `${file}: command not found`));
    return this.inner.run(argv, options);
  }
}

async function machineWithout(absent: string[]): Promise<Without> {
  const base = mkdtempSync(join(tmpdir(), 'cohabit-missing-'));
  dirs.push(base);
  const { root, store } = makeTempDirs(base);
  const m = new FakeMachine(root, store);
  await m.seed({ '/etc/nixos/configuration.nix': { content: HOST_CONFIGURATION, mode: 0o640 } });
  return new Without(m, absent);
}

describe('a dry run on a machine that lacks a tool', () => {
  it('says which tool, which steps need it and what to install, and changes nothing', async () => {
    const host = await machineWithout(['zfs']);
    const plan = seedPlan();
    const outcome = await runRequest(
      { type: 'apply', plan, sha256: await planSha256(plan), dryRun: true },
      { mode: 'in-process', host, journalDir: '/var/lib/cohabit' },
    );
    expect(outcome.kind).toBe('finished');
    expect(outcome.result?.status).toBe('refused');
    const zfs = outcome.result?.problems.filter((p) => p.startsWith('zfs ')) ?? [];
    expect(zfs).toHaveLength(1);
    expect(zfs[0]).toMatch(
      /^zfs is not installed on .*, so steps s01, s02(, s\d\d)* cannot be checked or run\. Install ZFS and its tools: on NixOS, `boot\.supportedFilesystems = \[ "zfs" \];`/,
    );
    expect(outcome.result?.message).not.toContain('command not found');
  });
});
