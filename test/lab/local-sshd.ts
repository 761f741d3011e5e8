// A real sshd on 127.0.0.1 for tests: a temporary host key, an authorized client key, a
// known_hosts naming the server, and the client options that use exactly these (no user config).
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshHostOptions } from '../../electron/host/ssh-host';

const SSHD = '/usr/sbin/sshd';

/** What a local sshd needs here; an empty list means the harness can start. */
export function missingSshdPrerequisites(): string[] {
  const missing = [SSHD, '/usr/bin/ssh', '/usr/bin/ssh-keygen'].filter((p) => !existsSync(p));
  if (process.getuid?.() !== 0) missing.push('root (sshd must switch to the logged-in user)');
  return missing;
}

/**
 * What `what` (a spec file's tests) lacks to start a local sshd, having failed (CI=true) or said
 * plainly that those tests are skipped (elsewhere). An empty list means they can run.
 */
export function sshdPrerequisites(what: string): string[] {
  const missing = missingSshdPrerequisites();
  if (missing.length > 0) {
    const message = `${what} needs ${missing.join(', ')}: run test/setup-system.sh`;
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`SKIPPED: ${message}`);
  }
  return missing;
}

/** The per-connection processes of a running sshd: one while a client holds a connection. */
export async function sshdSessions(sshdPid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The parent pid is the second field after the command name, which sits in parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === sshdPid) pids.push(Number(entry));
  }
  return pids;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface Sshd {
  dir: string;
  port: number;
  key: string;
  known: string;
  process: ChildProcess;
}

export async function startSshd(): Promise<Sshd> {
  const dir = await mkdtemp(join(tmpdir(), 'cohabit-sshd-'));
  // sshd reads the authorized keys as the logging-in user, who must be able to reach them.
  await chmod(dir, 0o755);
  const keygen = (file: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  keygen(join(dir, 'stranger_key'));
  await writeFile(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), {
    mode: 0o644,
  });
  const port = await freePort();
  const hostPub = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ');
  await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`);
  await writeFile(
    join(dir, 'sshd_config'),
    [
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      // PAM, not sshd, decides on accounts without a password (locked in /etc/shadow).
      'UsePAM yes',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'MaxSessions 10',
      'LogLevel ERROR',
    ].join('\n') + '\n',
  );
  // sshd refuses to start without its privilege-separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn(
    SSHD,
    [
      '-D',
      '-e',
      '-f',
      join(dir, 'sshd_config'),
      '-p',
      String(port),
      '-o',
      'ListenAddress=127.0.0.1',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`sshd did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dir,
    port,
    key: join(dir, 'client_key'),
    known: join(dir, 'known_hosts'),
    process: child,
  };
}

export function clientOptions(sshd: Sshd, key = sshd.key, known = sshd.known): SshHostOptions {
  return {
    connectTimeoutS: 5,
    sshOptions: [
      '-F',
      '/dev/null',
      '-i',
      key,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'IdentityAgent=none',
      '-o',
      `UserKnownHostsFile=${known}`,
      '-o',
      'StrictHostKeyChecking=yes',
    ],
  };
}

/**
 * A TCP relay on 127.0.0.1 in front of the sshd, for dropped connections: `cut()` ends every
 * connection at once (what a pulled cable looks like to both sides), `down()` makes it refuse new
 * ones until `up()`, and `bytesPerSecond` slows the client-to-server direction so that a transfer
 * is still under way when it is cut.
 */
export interface Relay {
  port: number;
  /** Bytes that went from the client to the server since the relay started. */
  readonly sent: number;
  cut(): void;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startRelay(
  targetPort: number,
  options: { bytesPerSecond?: number } = {},
): Promise<Relay> {
  const sockets = new Set<Socket>();
  let accepting = true;
  let sent = 0;
  const server = createServer((client) => {
    if (!accepting) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      upstream.write(chunk);
      if (options.bytesPerSecond !== undefined) {
        client.pause();
        setTimeout(() => client.resume(), (chunk.length / options.bytesPerSecond) * 1000);
      }
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    get sent() {
      return sent;
    },
    cut() {
      for (const s of sockets) s.destroy();
    },
    down() {
      accepting = false;
    },
    up() {
      accepting = true;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Client options for reaching the sshd through a relay: its host key is still the sshd's. */
export function relayClientOptions(sshd: Sshd): SshHostOptions {
  const base = clientOptions(sshd);
  return {
    ...base,
    sshOptions: [...(base.sshOptions ?? []), '-o', `HostKeyAlias=[127.0.0.1]:${sshd.port}`],
  };
}
