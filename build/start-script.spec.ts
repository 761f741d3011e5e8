// Spec of bin/start.mjs (`npm start`), run as the user runs it: which Electron it picks, what it
// passes on, and the fallback to browser mode when no Electron runtime is installed.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const nodeDir = dirname(process.execPath);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cohabit-start-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A stand-in Electron binary (synthetic): records its argv, one per line, and exits with `code`. */
async function fakeElectron(dir: string, code = 0): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'electron');
  await writeFile(path, `#!/bin/sh\nprintf '%s\\n' "$@" > "$FAKE_ELECTRON_ARGV"\nexit ${code}\n`);
  await chmod(path, 0o755);
  return path;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: Record<string, string>, until?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/start.mjs'), ...args], {
      env: { COHABIT_NO_BUILD: '1', HOME: work, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until?.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start', () => {
  it('runs the Electron named by ELECTRON_OVERRIDE_DIST_PATH on the app, passing the arguments on', async () => {
    const dir = join(work, 'override');
    await fakeElectron(dir);
    const argvFile = join(work, 'override.argv');
    const run = await start(['--host-snapshot', 'my host.json'], {
      PATH: nodeDir,
      ELECTRON_OVERRIDE_DIST_PATH: dir,
      FAKE_ELECTRON_ARGV: argvFile,
    });
    expect(run.code).toBe(0);
    expect((await readFile(argvFile, 'utf8')).split('\n')).toEqual([
      root,
      '--host-snapshot',
      'my host.json',
      '',
    ]);
  });

  it("uses an electron on PATH (nixpkgs'), but not npm's shim for the missing binary, and returns its exit code", async () => {
    const dir = join(work, 'nix-profile-bin');
    await fakeElectron(dir, 3);
    const argvFile = join(work, 'path.argv');
    const run = await start(['--demo'], {
      PATH: [join(root, 'node_modules/.bin'), dir, nodeDir].join(delimiter),
      FAKE_ELECTRON_ARGV: argvFile,
    });
    expect(run.code).toBe(3);
    expect(await readFile(argvFile, 'utf8')).toBe(`${root}\n--demo\n`);
  });

  it('without any Electron runtime, says so and serves the app to the browser with the same arguments', async () => {
    const run = await start(
      ['--demo', '--no-open', '--port', '0'],
      { PATH: [join(root, 'node_modules/.bin'), nodeDir].join(delimiter) },
      /Cohabit is serving the demo machine at\s+http:\/\/127\.0\.0\.1:\d+\/\S*token=/,
    );
    expect(run.stderr).toContain(
      'The Electron runtime is not installed (its binary comes from outside the npm registry).',
    );
    expect(run.stderr).toContain('Opening Cohabit in your browser instead');
    expect(run.stdout).toMatch(
      /Cohabit is serving the demo machine at\s+http:\/\/127\.0\.0\.1:\d+\//,
    );
  });
});
