// SshHost against a real sshd on 127.0.0.1 (temporary host key, authorized key and known_hosts):
// reads, hostile argv, errors, timeouts, host-key and login failures, and the inventory it gives.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/main';
import { readInventory } from '../inventory/read-inventory';
import { readText } from './host';
import type { Host, HostError } from './host';
import { LocalHost } from './local-host';
import { SshError, SshHost, formatSshUrl, parseSshUrl, splitBatch } from './ssh-host';
import type { SshTarget } from './ssh-host';
import { clientOptions, freePort, sshdPrerequisites, startSshd } from '../../test/lab/local-sshd';
import type { Sshd } from '../../test/lab/local-sshd';

describe('parseSshUrl', () => {
  it('reads user, host and port', () => {
    expect(parseSshUrl('ssh://root@server')).toEqual({ user: 'root', host: 'server' });
    expect(parseSshUrl('ssh://alice@box.example.org:2222')).toEqual({
      user: 'alice',
      host: 'box.example.org',
      port: 2222,
    });
    expect(parseSshUrl('ssh://10.0.0.7/')).toEqual({ host: '10.0.0.7' });
    expect(parseSshUrl('ssh://u@[fe80::1]:22')).toEqual({ user: 'u', host: 'fe80::1', port: 22 });
    expect(formatSshUrl({ user: 'u', host: 'fe80::1', port: 22 })).toBe('ssh://u@[fe80::1]:22');
  });

  it.each([
    ['server', /not an ssh:\/\/ address/],
    ['http://root@server', /not an ssh:\/\/ address/],
    ['ssh://-oProxyCommand=touch%20x@server', /not a user name/],
    ['ssh://root@-oProxyCommand=x', /not a host name/],
    ['ssh://root@server;reboot', /not a host name/],
    ['ssh://ro ot@server', /not a user name/],
    ['ssh://root@', /not a host name/],
    ['ssh://root@server:0', /not a port/],
    ['ssh://root@server:70000', /not a port/],
    ['ssh://root@server:22x', /not a port/],
    ['ssh://root@server/path', /not an ssh:\/\/ address/],
    ['ssh://root@server?x=1', /not a host name/],
    ['ssh://root@[not-v6]', /not an IPv6 address/],
  ])('refuses %s', (url, message) => {
    expect(() => parseSshUrl(url)).toThrow(message);
  });
});

describe('splitBatch', () => {
  const nonce = 'f'.repeat(32);
  const enc = (text: string) => new TextEncoder().encode(text);
  const dec = (a: { bytes: Uint8Array; code: string }) => [
    new TextDecoder().decode(a.bytes),
    a.code,
  ];

  it('splits answers at the nonce, keeping bytes that only look like a separator', () => {
    const out = enc(
      `a\n${'0'.repeat(32)} OK\n\n${nonce} OK\n\n${nonce} ENOENT\nlast\n\n${nonce} OK\n`,
    );
    expect(splitBatch(out, nonce, 3)?.map(dec)).toEqual([
      [`a\n${'0'.repeat(32)} OK\n`, 'OK'],
      ['', 'ENOENT'],
      ['last\n', 'OK'],
    ]);
  });

  it('refuses output that is not exactly the answers asked for', () => {
    expect(splitBatch(enc(`x\n${nonce} OK\n`), nonce, 2)).toBeNull();
    expect(splitBatch(enc(`x\n${nonce} OK\ntrailing`), nonce, 1)).toBeNull();
    expect(splitBatch(enc(`x\n${nonce} OK`), nonce, 1)).toBeNull();
    expect(splitBatch(enc(`x\n${nonce} no such\n`), nonce, 1)).toBeNull();
    expect(splitBatch(enc(''), nonce, 0)).toEqual([]);
  });
});

describe('the advice when the host key is refused', () => {
  // A stand-in for the ssh client that fails as ssh does on an unknown key (synthetic: the
  // stderr line is ssh's own wording; the real refusal is tested against sshd below).
  let dir: string;
  let fakeSsh: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cohabit-fake-ssh-'));
    fakeSsh = join(dir, 'ssh');
    await writeFile(fakeSsh, '#!/bin/sh\necho "Host key verification failed." >&2\nexit 255\n', {
      mode: 0o755,
    });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [{ user: 'alice', host: 'box.example.org', port: 2222 }, 'ssh -p 2222 alice@box.example.org'],
    [{ user: 'root', host: 'server' }, 'ssh root@server'],
    [{ host: 'nas', port: 2200 }, 'ssh -p 2200 nas'],
    [{ host: 'myalias' }, 'ssh myalias'],
    [{ user: 'u', host: 'fe80::1', port: 22 }, 'ssh -p 22 u@fe80::1'],
  ])('names the exact login for %j', async (target: SshTarget, login) => {
    const attempt = SshHost.connect(target, { sshCommand: fakeSsh });
    await expect(attempt).rejects.toMatchObject({ failure: 'host-key' });
    await expect(attempt).rejects.toThrow(
      `${formatSshUrl(target)}: the server's host key is not in known_hosts or does not match it. Cohabit never accepts a key by itself: check the key (ssh-keyscan, or log in once with ${login}) and try again.`,
    );
  });
});

// ---- a real sshd on loopback (test/lab/local-sshd.ts, shared with SshExecHost's spec) --------

const prerequisites = sshdPrerequisites('SshHost tests');

// A non-root account with a login shell, for the sudo and permission cases (uid 1000 on most
// machines, `cloudsdk` on the CI image).
function nonRootLogin(): string | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, , , , shell] = line.split(':');
    if (
      name &&
      Number(uid) >= 1000 &&
      Number(uid) < 60000 &&
      shell &&
      /\/(ba|da|z)?sh$/.test(shell)
    )
      return name;
  }
  return null;
}

describe.skipIf(prerequisites.length > 0)('SshHost against sshd on 127.0.0.1', () => {
  let sshd: Sshd;
  let host: SshHost;
  let target: SshTarget;
  let files: string;

  beforeAll(async () => {
    sshd = await startSshd();
    target = { user: 'root', host: '127.0.0.1', port: sshd.port };
    host = await SshHost.connect(target, clientOptions(sshd));
    files = await mkdtemp(join(tmpdir(), 'cohabit-ssh-files-'));
  }, 30_000);

  afterAll(async () => {
    await host?.close();
    sshd?.process.kill('SIGTERM');
    if (sshd) await rm(sshd.dir, { recursive: true, force: true });
    if (files) await rm(files, { recursive: true, force: true });
  });

  it('logs in as root and says so', () => {
    expect(host.remoteUid).toBe(0);
    expect(host.usesSudo).toBe(false);
    expect(host.description).toBe(`ssh://root@127.0.0.1:${sshd.port}`);
  });

  it('reads binary files byte for byte, and files whose names hold spaces, quotes and $()', async () => {
    const bytes = new Uint8Array(256 * 4).map((_, i) => i % 256);
    await writeFile(join(files, 'all-bytes.bin'), bytes);
    expect(await host.readFile(join(files, 'all-bytes.bin'))).toEqual(bytes);

    const hostile = join(files, `it's a "file" $(touch pwned) \`x\` \\ *\nline2`);
    await writeFile(hostile, 'content\n');
    expect(await readText(host, hostile)).toBe('content\n');
    expect(existsSync(join(files, 'pwned'))).toBe(false);
    expect(await host.readFile(join(files, 'all-bytes.bin'), { maxBytes: 1024 })).toHaveLength(
      1024,
    );
  });

  it('reads /proc and /sys files whose size is 0', async () => {
    expect(await readText(host, '/proc/cmdline')).toBe(readFileSync('/proc/cmdline', 'utf8'));
  });

  it('answers failed reads with the errno a local read gives', async () => {
    await writeFile(join(files, 'plain'), 'x');
    const cases: [string, string][] = [
      [join(files, 'absent'), 'ENOENT'],
      [files, 'EISDIR'],
      [join(files, 'plain', 'below'), 'ENOTDIR'],
    ];
    for (const [path, code] of cases) {
      await expect(host.readFile(path)).rejects.toMatchObject({ code, target: path });
      await expect(new LocalHost().readFile(path)).rejects.toMatchObject({ code });
    }
    await expect(
      host.readFile(join(files, 'all-bytes.bin'), { maxBytes: 1000 }),
    ).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });

  it('lists a directory like LocalHost: dot files, odd names, sorted, no . and ..', async () => {
    const dir = join(files, 'listing');
    await mkdir(dir);
    for (const name of ['b', '.hidden', 'a b', 'new\nline', '*', "q'uote", '-n'])
      await writeFile(join(dir, name), '');
    await symlink('nowhere', join(dir, 'dangling'));
    const remote = await host.readDir(dir);
    expect(remote).toEqual(await new LocalHost().readDir(dir));
    expect(remote).toContain('new\nline');
    expect(remote).toContain('dangling');
    await mkdir(join(files, 'empty'));
    expect(await host.readDir(join(files, 'empty'))).toEqual([]);
    await expect(host.readDir(join(files, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(host.readDir(join(files, 'plain'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('reads links as stored and stats without following them', async () => {
    await symlink('../some where/x y', join(files, 'rel link'));
    expect(await host.readLink(join(files, 'rel link'))).toBe('../some where/x y');
    await expect(host.readLink(join(files, 'plain'))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(host.readLink(join(files, 'gone'))).rejects.toMatchObject({ code: 'ENOENT' });

    await writeFile(join(files, 'mode640'), '12345', { mode: 0o640 });
    await chmod(join(files, 'mode640'), 0o640);
    for (const p of [join(files, 'mode640'), files, join(files, 'rel link'), '/dev/null'])
      expect(await host.stat(p)).toEqual(await new LocalHost().stat(p));
    expect(await host.stat(join(files, 'mode640'))).toMatchObject({
      kind: 'file',
      size: 5,
      mode: 0o640,
    });
    await expect(host.stat(join(files, 'gone'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('hands the remote command exactly the argv, however hostile', async () => {
    const hostile = [
      '',
      ' ',
      'a b',
      "it's",
      '"double"',
      '$(touch ' + join(files, 'pwned2') + ')',
      '`id`',
      '; reboot',
      '| cat',
      '&& false',
      '\\back\\slash\\',
      'new\nline',
      '*',
      '~',
      '-n',
      '--',
      '$HOME',
      '#comment',
      'tab\there',
      'ünïcødé ✓',
    ];
    const result = await host.run(['printf', '%s\\0', ...hostile]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(hostile);
    expect(existsSync(join(files, 'pwned2'))).toBe(false);
  });

  it('returns once the command exits, though a daemon it started (fds redirected) runs on', async () => {
    // The remote script keeps a copy of stdout on fd 3; leaked into the command, the daemon would
    // hold the session open and this call would wait for the 30 s sleep (and time out).
    const r = await host.run(['sh', '-c', 'sleep 30 </dev/null >/dev/null 2>&1 & echo $!'], {
      timeoutMs: 20_000,
    });
    const pid = Number(r.stdout.trim());
    expect(Number.isInteger(pid) && pid > 0).toBe(true);
    try {
      expect(existsSync(`/proc/${pid}`)).toBe(true);
    } finally {
      process.kill(pid, 'SIGTERM');
    }
  }, 30_000);

  it('passes exit codes, stderr and stdin through, and runs in the C locale', async () => {
    const r = await host.run(['sh', '-c', 'cat; echo oops >&2; exit 42'], { input: 'from stdin' });
    expect(r).toEqual({ stdout: 'from stdin', stderr: 'oops\n', exitCode: 42 });
    expect((await host.run(['sh', '-c', 'echo $LC_ALL'])).stdout).toBe('C\n');
    await expect(host.run(['no-such-command-cohabit'])).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('times a call out and cancels one on abort', async () => {
    const started = Date.now();
    await expect(host.run(['sleep', '20'], { timeoutMs: 500 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(host.run(['sleep', '20'], { signal: controller.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
  });

  it('sends reads asked for together in one round trip, each with its own answer or errno', async () => {
    const dir = join(files, 'batch');
    await mkdir(dir);
    const bytes = new Uint8Array(512).map((_, i) => (i * 7) % 256);
    await writeFile(join(dir, 'bytes.bin'), bytes);
    // Contents that look like a batch's separators (with another nonce) or end without a newline.
    await writeFile(join(dir, 'fake'), `x\n${'0'.repeat(32)} OK\n\n`);
    await writeFile(join(dir, `odd "name" $(touch pwned)\n`), 'no newline');
    await writeFile(join(dir, 'empty'), '');
    await symlink('../plain', join(dir, 'link'));
    const local = new LocalHost();
    const paths = [
      ...(await local.readDir(dir)).map((n) => join(dir, n)),
      join(dir, 'absent'),
      dir,
    ];
    const outcome = (p: Promise<unknown>) =>
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ code: (error as HostError).code }),
      );
    const all = (h: Host) =>
      Promise.all(
        paths.flatMap((p) => [
          outcome(h.readFile(p)),
          outcome(h.readLink(p)),
          outcome(h.stat(p)),
          outcome(h.readDir(p)),
        ]),
      );
    const before = host.remoteCalls;
    const remote = await all(host);
    expect(host.remoteCalls - before).toBe(1);
    expect(remote).toEqual(await all(local));
    expect(remote[0]).toEqual({ value: bytes });
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    // A read that would go over its limit is refused alone; the others in its batch still answer.
    const [big, small] = await Promise.all([
      outcome(host.readFile(join(dir, 'bytes.bin'), { maxBytes: 100 })),
      outcome(host.readFile(join(dir, 'empty'))),
    ]);
    expect(big).toEqual({ code: 'TOO_LARGE' });
    expect(small).toEqual({ value: new Uint8Array() });
    // A path no command line can carry fails alone; the read asked for beside it still answers.
    const carried = host.stat(join(dir, 'a\0b'));
    const beside = host.stat(dir);
    await expect(carried).rejects.toThrow(/NUL/);
    await expect(beside).resolves.toMatchObject({ kind: 'dir' });
  });

  it('runs many calls at once over the one connection', async () => {
    const reads = await Promise.all(
      Array.from({ length: 40 }, () => readText(host, '/proc/sys/kernel/ostype')),
    );
    expect(new Set(reads)).toEqual(new Set(['Linux\n']));
  });

  it('reads the same inventory as LocalHost on the same machine', async () => {
    const [remote, local] = await Promise.all([
      readInventory(host),
      readInventory(new LocalHost()),
    ]);
    // Clocks and load move between the two reads; everything the user plans with must not.
    const strip = (inv: typeof local) => ({
      ...inv,
      memory: inv.memory && { ...inv.memory, availableBytes: null },
    });
    expect(strip(remote)).toEqual(strip(local));
    expect(remote.disks.length).toBe(local.disks.length);
  }, 60_000);

  it('opens a new master by itself when the first one is gone', async () => {
    const check = spawnSync('ssh', ['-S', host.controlPath, '-O', 'check', '127.0.0.1'], {
      encoding: 'utf8',
    });
    const pid = Number(/pid=(\d+)/.exec(check.stderr)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expect((await host.run(['echo', 'again'])).stdout).toBe('again\n');
    expect(await readText(host, '/proc/sys/kernel/ostype')).toBe('Linux\n');
  });

  it('refuses a host whose key does not match known_hosts', async () => {
    const wrong = join(sshd.dir, 'wrong_known_hosts');
    const stranger = readFileSync(join(sshd.dir, 'stranger_key.pub'), 'utf8').split(' ');
    await writeFile(wrong, `[127.0.0.1]:${sshd.port} ${stranger[0]} ${stranger[1]}\n`);
    const attempt = SshHost.connect(target, clientOptions(sshd, sshd.key, wrong));
    await expect(attempt).rejects.toBeInstanceOf(SshError);
    await expect(attempt).rejects.toMatchObject({ failure: 'host-key' });
    await expect(attempt).rejects.toThrow(/host key is not in known_hosts or does not match/);
    // The advised login checks the same known_hosts entry ([127.0.0.1]:port) as Cohabit's.
    await expect(attempt).rejects.toThrow(
      `log in once with ssh -p ${sshd.port} root@127.0.0.1) and try again.`,
    );

    const empty = join(sshd.dir, 'empty_known_hosts');
    await writeFile(empty, '');
    await expect(
      SshHost.connect(target, clientOptions(sshd, sshd.key, empty)),
    ).rejects.toMatchObject({ failure: 'host-key' });
  });

  it('says so when the server refuses the login', async () => {
    const attempt = SshHost.connect(target, clientOptions(sshd, join(sshd.dir, 'stranger_key')));
    await expect(attempt).rejects.toMatchObject({ failure: 'auth' });
    await expect(attempt).rejects.toThrow(/refused the login of root/);
  });

  it('says so when nothing listens, and when the server never answers', async () => {
    const closed = await freePort();
    await expect(
      SshHost.connect({ ...target, port: closed }, clientOptions(sshd)),
    ).rejects.toMatchObject({ failure: 'refused' });

    // Accepts TCP and says nothing: ssh waits for the banner until ConnectTimeout.
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    try {
      const started = Date.now();
      await expect(
        SshHost.connect({ ...target, port }, { ...clientOptions(sshd), connectTimeoutS: 2 }),
      ).rejects.toMatchObject({ failure: 'timeout' });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      silent.close();
    }
  }, 20_000);

  const other = nonRootLogin();
  it.skipIf(other === null)(
    'as a non-root login: reads what that user may, and explains a missing sudo right',
    async () => {
      const user = other ?? '';
      const plain = await SshHost.connect({ ...target, user }, clientOptions(sshd));
      try {
        expect(plain.remoteUid).not.toBe(0);
        await expect(plain.readFile('/etc/shadow')).rejects.toMatchObject({ code: 'EACCES' });
        await expect(plain.readDir('/root')).rejects.toMatchObject({ code: 'EACCES' });
        await expect(plain.readDir('/root/.ssh')).rejects.toMatchObject({ code: 'EACCES' });
        // Searchable but not readable: a listing must fail, not come back empty.
        await chmod(files, 0o711);
        const locked = join(files, 'locked');
        await mkdir(locked, { mode: 0o711 });
        await chmod(locked, 0o711);
        await writeFile(join(locked, 'inside'), '');
        await expect(plain.readDir(locked)).rejects.toMatchObject({ code: 'EACCES' });
      } finally {
        await plain.close();
      }
      const attempt = SshHost.connect({ ...target, user }, { ...clientOptions(sshd), root: true });
      await expect(attempt).rejects.toMatchObject({ failure: 'sudo', code: 'EACCES' });
      await expect(attempt).rejects.toThrow(
        /root is needed and .* is not root, but `sudo -n` failed/,
      );
    },
    20_000,
  );

  it('`cohabit inventory --host` checks the address, then reports a refused host key plainly', async () => {
    const bad = {
      text: '',
      isTty: false,
      stdout: () => undefined,
      stderr: (t: string) => void (bad.text += t),
    };
    expect(await runCli(['inventory', '--host', 'ssh://root@-oProxyCommand=x'], bad)).toBe(2);
    expect(bad.text).toMatch(/not a host name Cohabit accepts/);
    // The user's own known_hosts cannot know this throwaway server's key on a random port.
    const seen = {
      text: '',
      isTty: false,
      stdout: () => undefined,
      stderr: (t: string) => void (seen.text += t),
    };
    expect(await runCli(['inventory', '--host', `ssh://root@127.0.0.1:${sshd.port}`], seen)).toBe(
      1,
    );
    expect(seen.text).toMatch(
      new RegExp(`^cohabit: ssh://root@127\\.0\\.0\\.1:${sshd.port}: the server's host key`),
    );
  });

  it('close ends the master connection and removes its private directory', async () => {
    const extra = await SshHost.connect(target, clientOptions(sshd));
    const before = (await readdir(tmpdir())).filter((n) => n.startsWith('cohabit-ssh-'));
    await extra.close();
    const after = (await readdir(tmpdir())).filter((n) => n.startsWith('cohabit-ssh-'));
    expect(after.length).toBe(before.length - 1);
    await expect(extra.run(['true'])).rejects.toMatchObject({ failure: 'closed' });
  });
});
