#!/usr/bin/env node
// The `cohabit` command. An installed package runs the bundled dist/cli.mjs. A checkout runs the
// same bundle while it is up to date with the sources (bin/cli-freshness.mjs: every file it was
// built from unchanged), and otherwise the TypeScript sources through tsx, so an edit is never
// hidden behind a stale build and there is no build step to forget.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleIsFresh } from './cli-freshness.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = `${root}electron/cli/main.ts`;

let cli;
if (existsSync(source) && !bundleIsFresh(root)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(source).href);
} else {
  cli = await import(pathToFileURL(`${root}dist/cli.mjs`).href);
}
process.exitCode = await cli.runCli(process.argv.slice(2));
