// Writes never follow a link (issue 13), on this machine: a user who can write the target's
// directory (an /etc/nixos chowned to them) plants a link where root's temp file would go, at the
// name the helper used to derive from the plan id; root must neither write through it nor chmod
// its target. The same for the backup copy's source and the journal.
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostError } from '../host/host';
import { LocalExecHost, tempNameFor } from './exec-host';

const PLAN = '0123456789abcdef';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A directory anyone may write, like /etc/nixos chowned to a user, with a file root must keep. */
function userWritableDir(): { dir: string; victim: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cohabit-nofollow-'));
  dirs.push(dir);
  chmodSync(dir, 0o777);
  const victim = join(dir, 'shadow');
  writeFileSync(victim, 'root:secret\n', { mode: 0o600 });
  chmodSync(victim, 0o600);
  return { dir, victim };
}

const text = (s: string) => new TextEncoder().encode(s);
const untouched = (victim: string) => {
  expect(readFileSync(victim, 'utf8')).toBe('root:secret\n');
  expect(lstatSync(victim).mode & 0o7777).toBe(0o600);
};

describe('LocalExecHost writes without following links', () => {
  it('a link planted at the temp name the plan id used to give is neither written through nor chmod-ed', async () => {
    const { dir, victim } = userWritableDir();
    const target = join(dir, 'cohabit.nix');
    // The name the helper derived from the plan id before issue 13.
    symlinkSync(victim, join(dir, `.cohabit.nix.cohabit-${PLAN}.tmp`));
    await new LocalExecHost().writeFileAtomic(target, text('{ }\n'), {
      mode: 0o644,
      tempTag: PLAN,
    });
    untouched(victim);
    expect(readFileSync(target, 'utf8')).toBe('{ }\n');
    expect(lstatSync(target).isFile()).toBe(true);
    expect(lstatSync(target).mode & 0o7777).toBe(0o644);
  });

  it('a link at the exact temp name is refused (O_EXCL|O_NOFOLLOW), and the target stays', async () => {
    const { dir, victim } = userWritableDir();
    const target = join(dir, 'cohabit.nix');
    writeFileSync(target, 'old\n');
    const temp = tempNameFor(target, PLAN);
    symlinkSync(victim, temp);
    await expect(
      new LocalExecHost().writeFileAtomic(target, text('new\n'), { mode: 0o644, temp }),
    ).rejects.toBeInstanceOf(HostError);
    untouched(victim);
    expect(readFileSync(target, 'utf8')).toBe('old\n');
  });

  it('temp names are random, beside the target, and name the plan; others are refused', async () => {
    const a = tempNameFor('/etc/nixos/cohabit.nix', PLAN);
    const b = tempNameFor('/etc/nixos/cohabit.nix', PLAN);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\/etc\/nixos\/\.cohabit\.nix\.cohabit-0123456789abcdef-[0-9a-f]{24}\.tmp$/);
    const { dir } = userWritableDir();
    await expect(
      new LocalExecHost().writeFileAtomic(join(dir, 'x'), text('x'), {
        mode: 0o644,
        temp: join(dir, 'shadow'),
      }),
    ).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('a link at the target is replaced, not followed, and its owner is not inherited', async () => {
    const { dir, victim } = userWritableDir();
    const target = join(dir, 'cohabit.nix');
    symlinkSync(victim, target);
    await new LocalExecHost().writeFileAtomic(target, text('{ }\n'), { mode: 0o644 });
    untouched(victim);
    expect(lstatSync(target).isFile()).toBe(true);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('the backup copy refuses a source swapped for a link', async () => {
    const { dir, victim } = userWritableDir();
    const source = join(dir, 'configuration.nix');
    symlinkSync(victim, source);
    const backup = join(dir, 'backups', 'copy');
    await expect(new LocalExecHost().copyFile(source, backup)).rejects.toMatchObject({
      code: 'ELOOP',
    });
    expect(() => lstatSync(backup)).toThrow();
  });

  it('the journal is never appended through a link, and a new one must not exist yet', async () => {
    const { dir, victim } = userWritableDir();
    const journal = join(dir, 'journal.jsonl');
    symlinkSync(victim, journal);
    const host = new LocalExecHost();
    await expect(host.appendDurable(journal, '{}\n')).rejects.toBeInstanceOf(HostError);
    untouched(victim);
    const fresh = join(dir, 'fresh.jsonl');
    await host.appendDurable(fresh, 'one\n', { createNew: true });
    await expect(host.appendDurable(fresh, 'two\n', { createNew: true })).rejects.toBeInstanceOf(
      HostError,
    );
    await host.appendDurable(fresh, 'two\n');
    expect(readFileSync(fresh, 'utf8')).toBe('one\ntwo\n');
  });
});
