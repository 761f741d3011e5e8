// The helper's main loop on a fake machine, for tests that spawn it as a real process (kill -9,
// elevation). Test-only: the installed helper is cohabit-helper.ts, which has no such hooks.
import { FakeMachine } from './fake-machine';
import { runHelper } from '../../electron/helper/helper-main';

const root = process.env.COHABIT_TEST_ROOT;
const store = process.env.COHABIT_TEST_STORE;
if (root === undefined || store === undefined) {
  process.stderr.write(
    'COHABIT_TEST_ROOT and COHABIT_TEST_STORE must name temporary directories\n',
  );
  process.exit(70);
}
const machine = new FakeMachine(root, store);
// The fake ZFS state lives in memory: the tests that spawn this use plans of files only.
const pause = process.env.COHABIT_TEST_PAUSE_WRITE;
if (pause !== undefined) {
  const [path = '', at = 'half'] = pause.split('@');
  machine.pauseWrite = {
    path,
    at: at === 'renamed' ? 'renamed' : 'half',
    onPause: () => process.stderr.write('paused\n'),
  };
}
const code = await runHelper({
  input: process.stdin,
  write: (line) => process.stdout.write(line),
  host: machine,
  journalDir: '/var/lib/cohabit',
  isRoot: true,
});
process.stdout.write('', () => process.exit(code));
