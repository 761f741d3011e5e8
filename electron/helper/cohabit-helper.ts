// Entry of the root helper binary (bundled to dist/helper/cohabit-helper, started by pkexec or sudo).
import { helperMain } from './helper-main';

process.exit(await helperMain());
