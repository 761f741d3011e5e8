// Asks the backend for unfinished plans the way the app does at start-up, for a spec that runs this
// as an unprivileged user: argv[2] is the journal directory. Prints the contract's answer as JSON.
import { createBackend } from '../../electron/backend/backend';
import { realLocalEnvironment } from '../../electron/backend/apply-runs';

const journalDir = process.argv[2];
if (journalDir === undefined) {
  process.stderr.write('usage: unfinished-as-user.ts JOURNAL_DIR\n');
  process.exit(70);
}
const backend = createBackend(
  { kind: 'local' },
  { apply: { local: realLocalEnvironment({ journalDir }) } },
);
const answer = await backend.handlers['apply:unfinished']({});
process.stdout.write(JSON.stringify({ uid: process.getuid?.() ?? null, answer }) + '\n');
