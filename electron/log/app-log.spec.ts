// The user's log: rotation by size, modes, no writing through a link, and the tail a bug report gets.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultLogPath, openAppLog, readLogTail } from './app-log';

const fresh = () => mkdtempSync(join(tmpdir(), 'cohabit-log-'));
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the log file', () => {
  it('lives in XDG state, or ~/.local/state when XDG_STATE_HOME is unset or relative', () => {
    expect(defaultLogPath({ XDG_STATE_HOME: '/state' })).toBe('/state/cohabit/cohabit.log');
    expect(defaultLogPath({ XDG_STATE_HOME: 'rel' })).toMatch(
      /\/\.local\/state\/cohabit\/cohabit\.log$/,
    );
  });

  it('writes one JSON object a line, with the time, level, event and fields', () => {
    const path = join(fresh(), 'cohabit', 'cohabit.log');
    const log = openAppLog(path, { now: () => new Date('2026-12-07T04:00:00Z') });
    log.write('error', 'step-failed', { argv: ['zfs', 'create', 'a b'], exitCode: 1 });
    expect(lines(path)).toEqual([
      {
        at: '2026-12-07T04:00:00.000Z',
        level: 'error',
        event: 'step-failed',
        argv: ['zfs', 'create', 'a b'],
        exitCode: 1,
      },
    ]);
  });

  it('rotates by size, keeping three files none of which grows past the limit', () => {
    const dir = join(fresh(), 'cohabit');
    const path = join(dir, 'cohabit.log');
    const log = openAppLog(path, { maxBytes: 1000, files: 3 });
    for (let i = 0; i < 100; i++) log.write('info', 'step-done', { n: i, pad: 'x'.repeat(60) });
    expect(readdirSync(dir).sort()).toEqual(['cohabit.log', 'cohabit.log.1', 'cohabit.log.2']);
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(1000);
    // The newest line is in the current file, the ones just before it in .1, the oldest gone.
    expect(lines(path).at(-1)?.n).toBe(99);
    const previous = lines(`${path}.1`);
    expect(previous.at(-1)?.n).toBe((lines(path)[0]?.n as number) - 1);
    expect(lines(`${path}.2`)[0]?.n).toBeGreaterThan(0);
  });

  it('is 0600 in a 0700 directory, also when both were there with looser modes', () => {
    const dir = join(fresh(), 'cohabit');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const path = join(dir, 'cohabit.log');
    writeFileSync(path, '', { mode: 0o644 });
    chmodSync(path, 0o644);
    openAppLog(path).write('info', 'x');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('never writes through a symbolic link, and a failed write fails nobody', () => {
    const dir = join(fresh(), 'cohabit');
    mkdirSync(dir, { mode: 0o700 });
    const elsewhere = join(fresh(), 'victim');
    writeFileSync(elsewhere, 'untouched');
    symlinkSync(elsewhere, join(dir, 'cohabit.log'));
    const failures: string[] = [];
    const log = openAppLog(join(dir, 'cohabit.log'), { onFailure: (m) => failures.push(m) });
    expect(() => log.write('error', 'x')).not.toThrow();
    log.write('error', 'y');
    expect(readFileSync(elsewhere, 'utf8')).toBe('untouched');
    expect(failures).toHaveLength(1);
  });

  it('gives its tail from line starts, reaching into the previous file', () => {
    const path = join(fresh(), 'cohabit', 'cohabit.log');
    const log = openAppLog(path, { maxBytes: 400 });
    for (let i = 0; i < 12; i++) log.write('info', 'step-done', { n: i, pad: 'y'.repeat(40) });
    const tail = readLogTail(path, 500);
    expect(tail.length).toBeLessThanOrEqual(500);
    const numbers = tail
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { n: number }).n);
    expect(numbers.at(-1)).toBe(11);
    expect(numbers.length).toBeGreaterThan(lines(path).length);
    expect(readLogTail(join(fresh(), 'none.log'))).toBe('');
  });
});
