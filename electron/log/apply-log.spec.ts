// A run in the user's log: each step's time, and a failed step whole (argv, exit code, stderr).
import { describe, expect, it } from 'vitest';
import type { Request } from '../../shared/ops/helper-protocol';
import type { AppLog, LogFields, LogLevel } from './app-log';
import { applyLogger } from './apply-log';

function memoryLog(): AppLog & { lines: { level: LogLevel; event: string; fields: LogFields }[] } {
  const lines: { level: LogLevel; event: string; fields: LogFields }[] = [];
  return {
    path: '/mem',
    lines,
    write: (level, event, fields = {}) => lines.push({ level, event, fields }),
  };
}

const request: Request = { type: 'recover', planId: '0123456789abcdef', mode: 'rollback' };

describe('applyLogger', () => {
  it('keeps what the events carry and the time each step took', () => {
    const log = memoryLog();
    let t = 1000;
    const logged = applyLogger(log, 'r1', request, 'local', () => t);
    logged.event({ type: 'step-started', step: 's01', index: 0, total: 2, title: 'Create' });
    t = 1250;
    logged.event({ type: 'step-finished', step: 's01', ok: true, failure: null });
    logged.event({ type: 'step-started', step: 's02', index: 1, total: 2, title: 'Install' });
    t = 4250;
    const failure = {
      kind: 'command-failed' as const,
      message: 'nixos-install exited 1',
      argv: ['nixos-install', '--root', '/mnt/cohabit/new'],
      exitCode: 1,
      stderrTail: ['error: no space left on device'],
    };
    logged.event({ type: 'step-finished', step: 's02', ok: false, failure });
    logged.outcome({ kind: 'finished', message: 'rolled back', result: null, recoverPlanId: null });
    expect(log.lines.map((l) => l.event)).toEqual([
      'run-started',
      'step-done',
      'step-failed',
      'run-ended',
    ]);
    expect(log.lines[0]?.fields).toMatchObject({ planId: '0123456789abcdef', where: 'local' });
    expect(log.lines[1]?.fields).toMatchObject({ step: 's01', ms: 250 });
    expect(log.lines[2]).toEqual({
      level: 'error',
      event: 'step-failed',
      fields: { run: 'r1', step: 's02', ms: 3000, ...failure },
    });
    expect(log.lines[3]?.fields).toMatchObject({ ms: 3250 });
  });

  it('keeps the stack of a run that threw, and writes nothing without a log', () => {
    const log = memoryLog();
    applyLogger(log, 'r2', request, 'ssh').threw(new Error('socket closed'));
    expect(log.lines[1]?.fields.stack).toMatch(/^Error: socket closed\n\s+at /);
    expect(() => applyLogger(null, 'r3', request, 'local').threw(new Error('x'))).not.toThrow();
  });
});
