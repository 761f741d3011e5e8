#!/usr/bin/env node
// The `cohabit` command. In a checkout it runs the TypeScript sources through tsx (no build step
// to forget); an installed package runs the bundled dist/cli.mjs.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = `${root}electron/cli/main.ts`;

let cli;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(source).href);
} else {
  cli = await import(pathToFileURL(`${root}dist/cli.mjs`).href);
}
process.exitCode = await cli.runCli(process.argv.slice(2));
