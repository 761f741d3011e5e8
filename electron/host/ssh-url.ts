// `ssh://[user@]host[:port]`: the only way a remote machine is named, parsed strictly so that
// nothing ssh could read as an option, or a shell as syntax, reaches a command line.

/** Where to connect: from `ssh://user@server:port`, or an alias of ~/.ssh/config. */
export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
}

// User and host names from safe sets: nothing that ssh could read as an option or a shell could
// read as syntax reaches the command line.
const USER_RE = /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/;
const HOST_LABEL_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV6_RE = /^[0-9A-Fa-f:.]{2,45}$/;

export class SshUrlError extends Error {
  override readonly name = 'SshUrlError';
}

/** Parses `ssh://[user@]host[:port]` strictly; anything else is an SshUrlError saying why. */
export function parseSshUrl(text: string): SshTarget {
  const m = /^ssh:\/\/(?:([^@/]*)@)?(\[[^\]]*\]|[^:/]*)(?::([^/]*))?\/?$/.exec(text);
  if (!m)
    throw new SshUrlError(
      `"${text}" is not an ssh:// address: write ssh://user@server or ssh://user@server:port`,
    );
  const [, user, rawHost = '', rawPort] = m;
  const target: SshTarget = { host: '' };
  if (user !== undefined) {
    if (!USER_RE.test(user))
      throw new SshUrlError(
        `"${user}" is not a user name Cohabit accepts (letters, digits, . _ -, not starting with - or a digit)`,
      );
    target.user = user;
  }
  if (rawHost.startsWith('[')) {
    const inner = rawHost.slice(1, -1);
    if (!IPV6_RE.test(inner) || !inner.includes(':'))
      throw new SshUrlError(`"${rawHost}" is not an IPv6 address`);
    target.host = inner;
  } else {
    const labels = rawHost.split('.');
    if (rawHost.length === 0 || rawHost.length > 253 || !labels.every((l) => HOST_LABEL_RE.test(l)))
      throw new SshUrlError(
        `"${rawHost}" is not a host name Cohabit accepts (letters, digits and - in dot-separated labels)`,
      );
    target.host = rawHost;
  }
  if (rawPort !== undefined) {
    const port = Number(rawPort);
    if (!/^\d{1,5}$/.test(rawPort) || port < 1 || port > 65535)
      throw new SshUrlError(`"${rawPort}" is not a port (1 to 65535)`);
    target.port = port;
  }
  return target;
}

export function formatSshUrl(target: SshTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `ssh://${target.user !== undefined ? `${target.user}@` : ''}${host}${target.port !== undefined ? `:${target.port}` : ''}`;
}
