// `npm run lint` part: every POSIX sh script Cohabit runs on a remote machine, checked by
// shellcheck as the sh it is (`-s sh`). The scripts are data in TypeScript (they travel as one
// argv word), so they are written to shellcheck's stdin one by one. Codes disabled here are the
// scripts' intent, each said why; anything else fails the lint.
import { spawnSync } from 'node:child_process';
import { REMOTE_SCRIPT, STOP_SCRIPT } from '../../electron/host/ssh-remote-script';
import { APPEND_DURABLE, COPY_FILE, WRITE_ATOMIC } from '../../electron/host/ssh-exec-host';

/** Where the scripts split words on purpose. */
const EXCLUDED = [
  // START_TIME_FN's `set -- $1`: the fields of /proc/PID/stat, split without a fork.
  'SC2086',
];

const scripts: Record<string, string> = {
  'ssh-remote-script REMOTE_SCRIPT': REMOTE_SCRIPT,
  'ssh-remote-script STOP_SCRIPT': STOP_SCRIPT,
  'ssh-exec-host WRITE_ATOMIC': WRITE_ATOMIC,
  'ssh-exec-host COPY_FILE': COPY_FILE,
  'ssh-exec-host APPEND_DURABLE': APPEND_DURABLE,
};

const probe = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
if (probe.error !== undefined) {
  const message =
    'shellcheck is not installed (Debian and Ubuntu: apt-get install shellcheck; test/setup-system.sh installs it)';
  if (process.env.CI === 'true') {
    console.error(`lint: ${message}.`);
    process.exit(1);
  }
  console.warn(`lint: skipped the remote shell scripts: ${message}.`);
  process.exit(0);
}
let failed = 0;
for (const [name, text] of Object.entries(scripts)) {
  const r = spawnSync('shellcheck', ['-s', 'sh', '-e', EXCLUDED.join(','), '-'], {
    input: `${text}\n`,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    failed++;
    console.error(`shellcheck: ${name}\n${r.stdout}${r.stderr}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
