// SshExecHost against a real sshd on 127.0.0.1: atomic writes that keep owner and mode and leave no
// temp file, hostile names, errno mapping, the journal's durable append, and lines streamed live.
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostError } from './host';
import { SshHost } from './ssh-host';
import { clientOptions, sshdPrerequisites, startSshd } from '../../test/lab/local-sshd';
import type { Sshd } from '../../test/lab/local-sshd';
import { Journal } from '../helper/journal';
import { SshExecHost, errnoOfMessage } from './ssh-exec-host';
import { tempNameFor } from '../helper/exec-host';

const missing = sshdPrerequisites('SshExecHost tests');

describe('errnoOfMessage', () => {
  it('reads the errno from the strerror text that ends a coreutils message', () => {
    expect(errnoOfMessage("rmdir: failed to remove 'x': No such file or directory\n")).toBe(
      'ENOENT',
    );
    expect(errnoOfMessage("mv: cannot overwrite directory 'd' with non-directory\n")).toBe('EIO');
    expect(errnoOfMessage("rm: cannot remove 'd': Is a directory")).toBe('EISDIR');
    expect(errnoOfMessage("mkdir: cannot create directory 'a/b': Not a directory")).toBe('ENOTDIR');
    expect(errnoOfMessage('cat: /x: Permission denied\n')).toBe('EACCES');
  });
});

describe.skipIf(missing.length > 0)('SshExecHost against sshd on 127.0.0.1', () => {
  let sshd: Sshd;
  let ssh: SshHost;
  let host: SshExecHost;
  let dir: string;

  beforeAll(async () => {
    sshd = await startSshd();
    ssh = await SshHost.connect(
      { user: 'root', host: '127.0.0.1', port: sshd.port },
      clientOptions(sshd),
    );
    host = new SshExecHost(ssh, 'abcdef0123456789');
    dir = await mkdtemp(join(tmpdir(), 'cohabit-ssh-exec-'));
  }, 30_000);

  afterAll(async () => {
    await ssh?.close();
    sshd?.process.kill('SIGTERM');
    if (sshd) await rm(sshd.dir, { recursive: true, force: true });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const hostile = `it's a "file" $(touch pwned) ; \`id\` *`;

  it('writes every byte value atomically, with the mode asked, under a hostile name', async () => {
    const bytes = new Uint8Array(512).map((_, i) => i % 256);
    const path = join(dir, hostile);
    await host.writeFileAtomic(path, bytes, { mode: 0o640 });
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
    expect(lstatSync(path).mode & 0o7777).toBe(0o640);
    // No temp file left, and nothing in the name was run as a command.
    expect(readdirSync(dir)).toEqual([hostile]);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync(join(tmpdir(), 'pwned'))).toBe(false);
  });

  it("keeps an existing file's owner when none is given, and sets the one given", async () => {
    const path = join(dir, 'owned.conf');
    await writeFile(path, 'old\n', { mode: 0o600 });
    await chown(path, 1234, 5678);
    await host.writeFileAtomic(path, new TextEncoder().encode('new\n'), { mode: 0o644 });
    let s = lstatSync(path);
    expect([s.uid, s.gid, s.mode & 0o7777]).toEqual([1234, 5678, 0o644]);
    expect(readFileSync(path, 'utf8')).toBe('new\n');

    await host.writeFileAtomic(path, new TextEncoder().encode('newer\n'), {
      mode: 0o600,
      uid: 4321,
      gid: 8765,
    });
    s = lstatSync(path);
    expect([s.uid, s.gid, s.mode & 0o7777]).toEqual([4321, 8765, 0o600]);
  });

  it('fails a write it cannot finish with the errno, leaving the target and no temp file', async () => {
    await expect(
      host.writeFileAtomic(join(dir, 'no such dir', 'f'), new Uint8Array([1]), { mode: 0o644 }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    // A directory in the way is refused, not written into.
    const blocker = join(dir, 'a-directory');
    await mkdir(blocker);
    await writeFile(join(blocker, 'inside'), 'kept');
    await expect(
      host.writeFileAtomic(blocker, new Uint8Array([1]), { mode: 0o644 }),
    ).rejects.toBeInstanceOf(HostError);
    expect(readdirSync(blocker)).toEqual(['inside']);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('copies a file with its mode and owner into directories it creates', async () => {
    const source = join(dir, 'secret.key');
    await writeFile(source, 'k'.repeat(64), { mode: 0o400 });
    await chown(source, 1234, 5678);
    const target = join(dir, 'backups', 'plan', hostile);
    await host.copyFile(source, target);
    const s = lstatSync(target);
    expect([s.uid, s.gid, s.mode & 0o7777]).toEqual([1234, 5678, 0o400]);
    expect(readFileSync(target, 'utf8')).toBe('k'.repeat(64));
    await expect(host.copyFile(join(dir, 'absent'), join(dir, 'x'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('never writes through a link planted at the temp name, old or new (issue 13)', async () => {
    const attic = join(dir, 'user-owned');
    await mkdir(attic, { mode: 0o777 });
    const victim = join(attic, 'shadow');
    await writeFile(victim, 'root:secret\n', { mode: 0o600 });
    const untouched = () => {
      expect(readFileSync(victim, 'utf8')).toBe('root:secret\n');
      expect(lstatSync(victim).mode & 0o7777).toBe(0o600);
    };
    const target = join(attic, 'cohabit.nix');
    // The name the helper derived from its tag (the plan id) before issue 13.
    await symlink(victim, join(attic, '.cohabit.nix.cohabit-abcdef0123456789.tmp'));
    await host.writeFileAtomic(target, new TextEncoder().encode('{ }\n'), { mode: 0o644 });
    untouched();
    expect(readFileSync(target, 'utf8')).toBe('{ }\n');
    expect(lstatSync(target).mode & 0o7777).toBe(0o644);
    // The exact temp name taken by a link: dd's O_EXCL|O_NOFOLLOW refuses it.
    const temp = tempNameFor(target, 'abcdef0123456789');
    await symlink(victim, temp);
    await expect(
      host.writeFileAtomic(target, new TextEncoder().encode('new\n'), { mode: 0o644, temp }),
    ).rejects.toBeInstanceOf(HostError);
    untouched();
    expect(readFileSync(target, 'utf8')).toBe('{ }\n');
    // A link at the target itself is replaced, never followed.
    const linked = join(attic, 'configuration.nix');
    await symlink(victim, linked);
    await host.writeFileAtomic(linked, new TextEncoder().encode('{ }\n'), { mode: 0o644 });
    untouched();
    expect(lstatSync(linked).isFile()).toBe(true);
    // The backup copy refuses a source that is a link, and the journal a link in its place.
    await expect(host.copyFile(join(attic, 'source-link'), join(dir, 'b', 'x'))).rejects.toThrow();
    await symlink(victim, join(attic, 'source-link'));
    await expect(
      host.copyFile(join(attic, 'source-link'), join(dir, 'b', 'x')),
    ).rejects.toMatchObject({ code: 'ELOOP' });
    await symlink(victim, join(attic, 'journal.jsonl'));
    await expect(host.appendDurable(join(attic, 'journal.jsonl'), '{}\n')).rejects.toThrow();
    untouched();
  });

  it('sets a mode a umask cannot give only in a directory nobody else can change', async () => {
    const path = join(dir, 'script.sh');
    await host.writeFileAtomic(path, new TextEncoder().encode('#!/bin/sh\n'), { mode: 0o755 });
    expect(lstatSync(path).mode & 0o7777).toBe(0o755);
    const attic = join(dir, 'open-to-all');
    await mkdir(attic, { mode: 0o777 });
    await chmod(attic, 0o777);
    await expect(
      host.writeFileAtomic(join(attic, 'script.sh'), new TextEncoder().encode('x'), {
        mode: 0o755,
      }),
    ).rejects.toThrow(/cannot be set safely/);
  });

  it('makes and removes directories, unlinks (a missing file is fine), resolves links', async () => {
    const deep = join(dir, 'm', 'n', 'o');
    await expect(host.mkdir(deep, 0o750)).rejects.toMatchObject({ code: 'ENOENT' });
    await host.mkdir(deep, 0o750, { recursive: true });
    expect(lstatSync(deep).mode & 0o7777).toBe(0o750);
    await host.mkdir(deep, 0o750, { recursive: true });
    await host.rmdir(deep);
    expect(existsSync(deep)).toBe(false);
    await host.rmdir(join(dir, 'm', 'n'));
    await host.rmdir(join(dir, 'm'));
    expect(existsSync(join(dir, 'm'))).toBe(false);
    await expect(host.rmdir(join(dir, 'a-directory'))).rejects.toBeInstanceOf(HostError);

    const file = join(dir, 'gone soon');
    await writeFile(file, 'x');
    await host.unlink(file);
    expect(existsSync(file)).toBe(false);
    await expect(host.unlink(file)).resolves.toBeUndefined();
    await expect(host.unlink(join(dir, 'a-directory'))).rejects.toMatchObject({ code: 'EISDIR' });

    await symlink('a-directory/inside', join(dir, 'link to inside'));
    expect(await host.realpath(join(dir, 'link to inside'))).toBe(
      join(dir, 'a-directory', 'inside'),
    );
    await expect(host.realpath(join(dir, 'nowhere'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps the journal through it: a private file, records appended in order', async () => {
    const journalDir = join(dir, 'var-lib-cohabit');
    const journal = await Journal.open(host, journalDir, '0123456789abcdef');
    await journal.append({ t: 'done', step: 's01' });
    await journal.append({ t: 'failed', step: 's02', error: `it's "bad"\nreally` });
    expect(lstatSync(journal.path).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(journalDir, 'journal')).mode & 0o777).toBe(0o700);
    const lines = readFileSync(journal.path, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { t: 'done', step: 's01' },
      { t: 'failed', step: 's02', error: `it's "bad"\nreally` },
    ]);
  });

  it('streams lines while the command still runs, and returns the exit code', async () => {
    const start = Date.now();
    const seen: { line: string; stream: string; at: number }[] = [];
    const result = await host.runStreaming(
      [
        'sh',
        '-c',
        'echo one; sleep 1.5; printf "10%%\\r20%%\\n" >&2; sleep 1.5; echo three; exit 4',
      ],
      { timeoutMs: 20_000, onLine: (line, stream) => seen.push({ line, stream, at: Date.now() }) },
    );
    const end = Date.now();
    expect(seen.map((s) => [s.stream, s.line])).toEqual([
      ['stdout', 'one'],
      ['stderr', '10%'],
      ['stderr', '20%'],
      ['stdout', 'three'],
    ]);
    // "one" reached us well before the command ended: it was not held back until exit.
    expect(end - (seen[0]?.at ?? end)).toBeGreaterThan(2_000);
    expect(end - start).toBeGreaterThan(3_000);
    expect(result).toMatchObject({ exitCode: 4, stdout: 'one\nthree\n' });
    expect(result.stderr).toBe('10%\r20%\n');
  });

  it('interrupts a cancelled command with SIGINT first, so it can clean up', async () => {
    const flag = join(dir, 'interrupted');
    const controller = new AbortController();
    const running = host.runStreaming(
      ['sh', '-c', 'trap \'echo int > "$1"; exit 3\' INT; echo ready; sleep 60 & wait', 'x', flag],
      {
        timeoutMs: 60_000,
        signal: controller.signal,
        onLine: (line) => {
          if (line === 'ready') controller.abort();
        },
      },
    );
    await expect(running).rejects.toMatchObject({ code: 'ABORTED' });
    expect(readFileSync(flag, 'utf8')).toBe('int\n');
  }, 20_000);

  it('says a missing command is missing', async () => {
    await expect(
      host.runStreaming(['cohabit-no-such-tool'], { timeoutMs: 10_000 }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
