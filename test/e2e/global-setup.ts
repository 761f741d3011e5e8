// Makes sure there is a built renderer to serve: runs `vite build` once when dist/renderer is missing.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default async function setup(): Promise<void> {
  if (existsSync(`${root}dist/renderer/index.html`)) return;
  await promisify(execFile)(process.execPath, [`${root}node_modules/vite/bin/vite.js`, 'build'], {
    cwd: root,
  });
}
