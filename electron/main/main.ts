// Entry of the Electron main process (bundled to dist/electron/main.cjs). Kept thin: everything
// it does lives in app.ts and the modules beside it, where the specs can reach it.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCohabit } from './app';

startCohabit({
  argv: process.argv,
  cwd: process.cwd(),
  mainDir: dirname(fileURLToPath(import.meta.url)),
});
