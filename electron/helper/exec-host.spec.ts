// LocalExecHost's stop sequence on real child processes: a tool that ignores SIGINT gets SIGTERM, one
// that ignores both gets SIGKILL; timeout and cancel both end it, and the executor reports the step
// failed and rolls back. The grace between signals is shortened so this stays fast.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../host/host';
import { FakeMachine, makeTempDirs } from '../../test/helper/fake-machine';
import { HOST_CONFIGURATION, seedPlan } from '../../test/helper/seed-plan';
import { LocalExecHost, runStreamingLocal } from './exec-host';
import type { StreamOptions } from './exec-host';
import { applyPlan } from './executor';
import type { ApplyEvent } from '../../shared/ops/helper-protocol';

const GRACE_MS = 150;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A node child that prints its pid, then says (and survives) each listed signal it receives. */
function stubborn(ignores: NodeJS.Signals[]): string[] {
  const code = `
    for (const s of ${JSON.stringify(ignores)}) process.on(s, () => console.log('got ' + s));
    console.log('ready ' + process.pid);
    setInterval(() => {}, 1000);`;
  return [process.execPath, '-e', code];
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Run {
  error: unknown;
  lines: string[];
  pid: number;
  /** From the first signal (timeout or cancel) to the end. */
  stopMs: number;
}

async function stopRun(
  ignores: NodeJS.Signals[],
  how: 'timeout' | 'cancel',
  host = new LocalExecHost('t', GRACE_MS),
): Promise<Run> {
  const lines: string[] = [];
  const controller = new AbortController();
  let stoppedAt = 0;
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const timeoutMs = 2_000;
  const options: StreamOptions = {
    timeoutMs,
    signal: controller.signal,
    onLine: (line) => {
      lines.push(line);
      if (line.startsWith('ready ')) ready();
    },
  };
  const started = Date.now();
  const running = host.runStreaming(stubborn(ignores), options);
  await isReady;
  if (how === 'cancel') {
    stoppedAt = Date.now();
    controller.abort();
  } else stoppedAt = started + timeoutMs;
  const error = await running.then(
    (r: RunResult) => r,
    (e: unknown) => e,
  );
  const pid = Number((lines.find((l) => l.startsWith('ready ')) ?? '').slice(6));
  return { error, lines, pid, stopMs: Date.now() - stoppedAt };
}

describe('LocalExecHost stops a child that will not stop', () => {
  it('timeout: a tool that ignores SIGINT ends at SIGTERM, and the run fails with TIMEOUT', async () => {
    const r = await stopRun(['SIGINT'], 'timeout');
    expect(r.error).toMatchObject({ code: 'TIMEOUT' });
    expect(String(r.error)).toContain('did not finish within 2000 ms and was stopped');
    expect(r.lines).toContain('got SIGINT');
    expect(r.stopMs).toBeGreaterThanOrEqual(GRACE_MS - 20);
    expect(r.stopMs).toBeLessThan(2 * GRACE_MS + 1_000);
    expect(alive(r.pid)).toBe(false);
  });

  it('timeout: a tool that ignores SIGINT and SIGTERM ends at SIGKILL', async () => {
    const r = await stopRun(['SIGINT', 'SIGTERM'], 'timeout');
    expect(r.error).toMatchObject({ code: 'TIMEOUT' });
    expect(r.lines).toEqual(expect.arrayContaining(['got SIGINT', 'got SIGTERM']));
    expect(r.stopMs).toBeGreaterThanOrEqual(2 * GRACE_MS - 20);
    expect(alive(r.pid)).toBe(false);
  });

  it('cancel: the same sequence, and the run fails with ABORTED', async () => {
    const r = await stopRun(['SIGINT', 'SIGTERM'], 'cancel');
    expect(r.error).toMatchObject({ code: 'ABORTED' });
    expect(r.lines).toEqual(expect.arrayContaining(['got SIGINT', 'got SIGTERM']));
    expect(r.stopMs).toBeGreaterThanOrEqual(2 * GRACE_MS - 20);
    expect(alive(r.pid)).toBe(false);
  });

  it('a tool that honours SIGINT ends at once, without waiting for the grace', async () => {
    const r = await stopRun([], 'cancel', new LocalExecHost('t', 5_000));
    expect(r.error).toMatchObject({ code: 'ABORTED' });
    expect(r.stopMs).toBeLessThan(2_000);
    expect(alive(r.pid)).toBe(false);
  });
});

/** The fake machine, except that nixos-install is a real child that ignores SIGINT and SIGTERM. */
class StubbornInstall extends FakeMachine {
  override runStreaming(argv: readonly string[], options: StreamOptions): Promise<RunResult> {
    if (argv[0] !== 'nixos-install') return super.runStreaming(argv, options);
    this.calls.push([...argv]);
    return runStreamingLocal(stubborn(['SIGINT', 'SIGTERM']), options, undefined, GRACE_MS);
  }
}

async function stubbornMachine(): Promise<StubbornInstall> {
  const base = mkdtempSync(join(tmpdir(), 'cohabit-stop-'));
  dirs.push(base);
  const { root, store } = makeTempDirs(base);
  const m = new StubbornInstall(root, store);
  await m.seed({
    '/etc/nixos/configuration.nix': { content: HOST_CONFIGURATION, mode: 0o640 },
    '/etc/nixos/hardware-configuration.nix': { content: '{ }\n', mode: 0o644 },
  });
  return m;
}

describe('the executor with a tool that will not stop', () => {
  for (const how of ['timeout', 'cancel'] as const)
    it(`${how}: the child is ended, the step is reported failed and the plan rolls back`, async () => {
      const m = await stubbornMachine();
      const before = await m.state();
      const events: ApplyEvent[] = [];
      const controller = new AbortController();
      const result = await applyPlan(seedPlan(), {
        host: m,
        journalDir: '/var/lib/cohabit',
        signal: controller.signal,
        timeoutsMs: { 'nixos.install': how === 'timeout' ? 1_500 : 60_000 },
        onEvent: (e) => {
          events.push(e);
          if (how === 'cancel' && e.type === 'output' && e.line.startsWith('ready '))
            controller.abort();
        },
      });
      const ready = events.find((e) => e.type === 'output' && e.line.startsWith('ready '));
      const pid = ready?.type === 'output' ? Number(ready.line.slice(6)) : NaN;
      expect(alive(pid)).toBe(false);
      expect(result.status).toBe('rolled-back');
      expect(result.failedStep).toBe('s13');
      expect(result.cancelled).toBe(how === 'cancel');
      expect(result.message).toContain(
        how === 'timeout' ? 'did not finish within 1500 ms' : 'You cancelled during step s13',
      );
      expect(events).toContainEqual({
        type: 'step-finished',
        step: 's13',
        ok: false,
        failure: {
          kind: how === 'timeout' ? 'timed-out' : 'cancelled',
          message:
            how === 'timeout'
              ? (expect.stringContaining('did not finish') as string)
              : 'Cancelled.',
          // The real command that was killed, and what it had said on stderr by then.
          argv: expect.arrayContaining(['nixos-install']) as string[],
          exitCode: null,
          stderrTail: expect.any(Array) as string[],
        },
      });
      expect(await m.state()).toEqual(before);
    }, 15_000);
});
