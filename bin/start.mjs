#!/usr/bin/env node
// `npm start`: builds what is missing, then opens the Electron app. Without the Electron runtime
// (its binary comes from outside the npm registry) it says so and opens browser mode instead.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

const OUTPUTS = ['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'dist/renderer/index.html'];
const SOURCES = [
  'electron',
  'shared',
  'renderer',
  'build/vite.node.config.ts',
  'vite.config.ts',
  'package.json',
];

/** Newest modification time under `path`, specs and node_modules left out. */
function newestSource(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return path.endsWith('.spec.ts') ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    newest = Math.max(newest, newestSource(join(path, name)));
  }
  return newest;
}

function needsBuild() {
  let oldestOutput = Infinity;
  for (const output of OUTPUTS) {
    const path = join(root, output);
    if (!existsSync(path)) return true;
    oldestOutput = Math.min(oldestOutput, statSync(path).mtimeMs);
  }
  return SOURCES.some((source) => newestSource(join(root, source)) > oldestOutput);
}

function build() {
  // Under `npm start`, npm names itself in npm_execpath; run that same npm.
  const npm = process.env.npm_execpath;
  const [command, argv] = npm
    ? [process.execPath, [npm, 'run', 'build']]
    : ['npm', ['run', 'build']];
  process.stderr.write('cohabit: building the app (npm run build)...\n');
  const result = spawnSync(command, argv, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(
      'cohabit: the build failed (see above); fix it, then run npm start again.\n',
    );
    process.exit(result.status ?? 1);
  }
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The Electron runtime, in the order a user would expect: ELECTRON_OVERRIDE_DIST_PATH (a directory
 * holding the binary, as the electron package reads it), the npm package's downloaded binary,
 * then an `electron` on PATH (NixOS users run nixpkgs' electron). npm's own node_modules/.bin
 * shim is not a runtime: it fails the same way the package does when the binary is missing.
 */
function findElectron(env) {
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const path = join(override, 'electron');
    if (isExecutable(path)) return path;
  }
  try {
    const path = createRequire(import.meta.url)('electron');
    if (typeof path === 'string' && isExecutable(path)) return path;
  } catch {
    // "Electron failed to install correctly": the binary was never downloaded.
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, 'electron');
    if (!isExecutable(path)) continue;
    let real = path;
    try {
      real = realpathSync(path);
    } catch {
      continue;
    }
    if (real.includes(`${sep}node_modules${sep}electron${sep}`)) continue;
    return path;
  }
  return null;
}

/** Runs argv (no shell), passing Ctrl+C and termination on, and exits with its status. */
function run(command, argv, env) {
  const child = spawn(command, argv, { stdio: 'inherit', env });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('error', (error) => {
    process.stderr.write(`cohabit: could not start ${command}: ${error.message}\n`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

if (process.env.COHABIT_NO_BUILD !== '1' && needsBuild()) build();

const electron = findElectron(process.env);
if (electron !== null) {
  if (process.getuid?.() === 0) {
    process.stderr.write(
      'cohabit: Electron does not run as root; if no window opens, run npm start as your own user\n' +
        '(Cohabit asks for root itself, once, when it applies a plan).\n',
    );
  }
  const env = { ...process.env };
  // Set, it would make Electron behave as plain Node and ignore the app.
  delete env.ELECTRON_RUN_AS_NODE;
  // The app directory, not the bundle: Electron then reads package.json (main is
  // dist/electron/main.cjs) and takes the app's name from it, so the window class and the settings
  // directory (~/.config/cohabit) are Cohabit's, not "Electron".
  run(electron, [root, ...args], env);
} else {
  process.stderr.write(
    'The Electron runtime is not installed (its binary comes from outside the npm registry). ' +
      'Opening Cohabit in your browser instead: it runs the same app on 127.0.0.1, behind a ' +
      'one-time token in the address below. To get the desktop window, install Electron ' +
      '(for example nixpkgs\u2019 electron, on PATH) or point ELECTRON_OVERRIDE_DIST_PATH at a ' +
      'directory holding its binary, then run npm start again.\n\n',
  );
  run(process.execPath, [join(root, 'bin/cohabit.mjs'), 'serve', ...args], process.env);
}
