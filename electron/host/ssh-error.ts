// What failed when ssh or sudo failed (the remote shell never started): the connection, the host
// key, the login or the elevation, classified from their own words into one SshFailure.
import { HostError } from './host';
import { formatSshUrl } from './ssh-url';
import type { SshTarget } from './ssh-url';

/** Failures that mean the machine could not be reached (rather than that a command failed there). */
const UNREACHABLE: ReadonlySet<string> = new Set([
  'dropped',
  'refused',
  'timeout',
  'unresolved',
  'closed',
]);

export type SshFailure =
  | 'host-key'
  | 'auth'
  | 'refused'
  | 'timeout'
  | 'unresolved'
  | 'sudo'
  | 'dropped'
  | 'closed'
  | 'other';

/** The connection, the login or the elevation failed: nothing ran on the remote side. */
export class SshError extends HostError {
  constructor(
    readonly failure: SshFailure,
    target: string,
    message: string,
    readonly stderr: string,
  ) {
    super(
      failure === 'sudo' ? 'EACCES' : UNREACHABLE.has(failure) ? 'UNREACHABLE' : 'SPAWN',
      target,
      message,
    );
  }
}

/** Turns ssh's or sudo's complaint (the remote shell never started) into a plain message. */
export function sshFailureOf(
  target: SshTarget,
  stderr: string,
  exitCode: number,
  context: { sudo?: boolean } = {},
): SshError {
  const d = formatSshUrl(target);
  const who = target.user ?? 'your user';
  const last =
    stderr
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .at(-1) ?? `exit ${exitCode}`;
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) {
    // The exact command: known_hosts keys a non-default port as [host]:port, so `ssh host`
    // would check (and record) a different entry than Cohabit's connection uses.
    const t = target;
    const login = `ssh ${t.port !== undefined ? `-p ${t.port} ` : ''}${t.user !== undefined ? `${t.user}@` : ''}${t.host}`;
    return new SshError(
      'host-key',
      d,
      `${d}: the server's host key is not in known_hosts or does not match it. Cohabit never accepts a key by itself: check the key (ssh-keyscan, or log in once with ${login}) and try again.`,
      stderr,
    );
  }
  if (/Permission denied \(/.test(stderr))
    return new SshError(
      'auth',
      d,
      `${d}: the server refused the login of ${who}. Cohabit never types a password: load a key into ssh-agent or name one with IdentityFile in ~/.ssh/config.`,
      stderr,
    );
  if (/Connection refused/.test(stderr))
    return new SshError(
      'refused',
      d,
      `${d}: connection refused (no SSH server on that port?)`,
      stderr,
    );
  if (/timed out|Connection timed out/i.test(stderr))
    return new SshError('timeout', d, `${d}: the connection timed out`, stderr);
  if (/Could not resolve hostname|Name or service not known/.test(stderr))
    return new SshError('unresolved', d, `${d}: unknown host name`, stderr);
  if (context.sudo && /^sudo: |sudo: (command )?not found/m.test(stderr)) {
    const reason = /password is required|terminal is required/.test(stderr)
      ? `sudo wants a password for ${who}`
      : /not found/.test(stderr)
        ? 'sudo is not installed there'
        : last;
    return new SshError(
      'sudo',
      d,
      `${d}: root is needed and ${who} is not root, but \`sudo -n\` failed (${reason}). Log in as root, or allow ${who} passwordless sudo for Cohabit's commands.`,
      stderr,
    );
  }
  if (/Connection closed|Connection reset|Broken pipe|client_loop|disconnect/i.test(stderr))
    return new SshError('dropped', d, `${d}: the connection dropped (${last})`, stderr);
  return new SshError('other', d, `${d}: ssh failed: ${last}`, stderr);
}
