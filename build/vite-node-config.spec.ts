// Builds the Node bundles into a temporary directory and runs them the way Electron and an
// installed package would: each must be self-contained and find its neighbours.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInNewContext, runInThisContext } from 'node:vm';
import { createBuilder } from 'vite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emptySnapshot } from '../electron/host/snapshot-format';
import { nodeBuildConfig } from './vite.node.config';

let out: string;
const root = fileURLToPath(new URL('..', import.meta.url));
const nodeRequire = createRequire(import.meta.url);

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'cohabit-build-'));
  // Synthetic: an empty snapshot stands in for the demo machine, to see where the copy lands.
  const demo = join(out, 'demo-input.json');
  await writeFile(demo, JSON.stringify(emptySnapshot('synthetic empty demo')));
  const builder = await createBuilder({
    ...nodeBuildConfig(join(out, 'dist'), demo),
    configFile: false,
  });
  await builder.buildApp();
}, 60_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Runs a CommonJS bundle with `require` limited to `allowed`; returns what it required. */
function runCommonJs(
  source: string,
  file: string,
  modules: Record<string, unknown>,
  allowBuiltins: boolean,
) {
  const required: string[] = [];
  const require = (name: string): unknown => {
    required.push(name);
    if (name in modules) return modules[name];
    if (allowBuiltins && isBuiltin(name)) return nodeRequire(name) as unknown;
    throw new Error(`the bundle required ${name}`);
  };
  const module = { exports: {} };
  const wrapper = runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    {
      filename: file,
    },
  ) as (...args: unknown[]) => void;
  wrapper(module.exports, require, module, file, join(file, '..'));
  return required;
}

describe('the Node build', () => {
  it('writes main, preload and CLI bundles, with the demo machine beside the main and CLI bundles', () => {
    for (const file of [
      'electron/main.cjs',
      'electron/preload.cjs',
      'cli.mjs',
      'electron/demo/demo-machine.snapshot.json',
      'demo/demo-machine.snapshot.json',
    ]) {
      expect(existsSync(join(out, 'dist', file)), file).toBe(true);
    }
  });

  it('bundles the preload into one file that requires nothing but electron, and it exposes window.cohabit', async () => {
    const file = join(out, 'dist/electron/preload.cjs');
    const page: Record<string, unknown> = {};
    const invoke = vi.fn(() =>
      Promise.resolve({
        ok: true,
        value: { source: 'demo', description: 'the demo machine', localAvailable: false },
      }),
    );
    const electron = {
      contextBridge: {
        exposeInMainWorld: () => {
          throw new Error('expected executeInMainWorld');
        },
        executeInMainWorld: ({
          func,
          args,
        }: {
          func: (...a: unknown[]) => void;
          args: unknown[];
        }) => {
          const pageWorld = runInNewContext(`(${func.toString()})`) as (...a: unknown[]) => void;
          pageWorld(...args, page);
        },
      },
      ipcRenderer: { invoke, on: vi.fn(), removeListener: vi.fn() },
    };
    const required = runCommonJs(await readFile(file, 'utf8'), file, { electron }, false);
    expect([...new Set(required)]).toEqual(['electron']);
    expect(Object.keys(page)).toEqual(['cohabit']);
    const api = page.cohabit as { call: (c: string, r: unknown) => Promise<unknown> };
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);
    await expect(api.call('machine:info', {})).resolves.toMatchObject({ source: 'demo' });
  });

  it('bundles main so that it needs only electron and Node, and finds the preload beside itself', async () => {
    const file = join(out, 'dist/electron/main.cjs');
    const windows: { webPreferences: { preload: string } }[] = [];
    const emitter = () => ({ on: vi.fn(), once: vi.fn() });
    const electron = {
      app: {
        ...emitter(),
        requestSingleInstanceLock: () => true,
        quit: vi.fn(),
        exit: vi.fn(),
        whenReady: () => Promise.resolve(),
      },
      BrowserWindow: function FakeWindow(
        this: unknown,
        options: { webPreferences: { preload: string } },
      ) {
        windows.push(options);
        return {
          ...emitter(),
          webContents: { send: vi.fn(), isDestroyed: () => false },
          loadURL: () => Promise.resolve(),
        };
      },
      nativeTheme: { shouldUseDarkColors: false },
      dialog: { showErrorBox: vi.fn() },
      ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
      protocol: { registerSchemesAsPrivileged: vi.fn() },
      shell: { openExternal: vi.fn() },
      session: {
        defaultSession: {
          protocol: { handle: vi.fn() },
          webRequest: { onHeadersReceived: vi.fn() },
          setPermissionRequestHandler: vi.fn(),
          setPermissionCheckHandler: vi.fn(),
          setDevicePermissionHandler: vi.fn(),
        },
      },
    };
    const required = runCommonJs(await readFile(file, 'utf8'), file, { electron }, true);
    expect(required.filter((name) => !isBuiltin(name))).toEqual(['electron']);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalled();
    expect(windows.map((w) => w.webPreferences.preload)).toEqual([
      join(out, 'dist/electron/preload.cjs'),
    ]);
  });

  it('bundles a CLI that runs outside the checkout and finds the demo machine beside itself', async () => {
    const cli = (await import(pathToFileURL(join(out, 'dist/cli.mjs')).href)) as {
      runCli: (
        argv: string[],
        io: { stdout: (t: string) => void; stderr: (t: string) => void; isTty: boolean },
      ) => Promise<number>;
    };
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: (t: string) => (stdout += t),
      stderr: (t: string) => (stderr += t),
      isTty: false,
    };
    expect(await cli.runCli(['--help'], io)).toBe(0);
    expect(stdout).toContain('Usage: cohabit');
    // The synthetic demo is empty, but it is found and replayed: an inventory with nothing in it.
    stdout = '';
    expect(await cli.runCli(['inventory', '--demo', '--json'], io)).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ format: 'cohabit-inventory/1' });
    await rm(join(out, 'dist/demo'), { recursive: true });
    expect(await cli.runCli(['inventory', '--demo', '--json'], io)).toBe(1);
    expect(stderr).toContain(join(out, 'dist/demo/demo-machine.snapshot.json'));
  });

  it('bundles the root helper as one executable file that refuses malformed input with no change', async () => {
    const helper = join(out, 'dist/helper/cohabit-helper');
    expect((await stat(helper)).mode & 0o111).not.toBe(0);
    expect((await readFile(helper, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const result = spawnSync(process.execPath, [helper], { input: 'not json\n', encoding: 'utf8' });
    // As root it parses and refuses the request (exit 2); as anyone else it refuses to run (exit 4).
    expect([2, 4]).toContain(result.status);
    expect(result.stdout).toMatch(/"type":"error"/);
  });

  it('records what the CLI bundle was made from, the demo machine included, and writes cohabit(1)', async () => {
    const manifest = JSON.parse(await readFile(join(out, 'dist/cli.sources.json'), 'utf8')) as {
      files: Record<string, { sha256: string }>;
    };
    const files = Object.keys(manifest.files);
    expect(files).toContain('electron/cli/main.ts');
    expect(files).toContain('build/vite.node.config.ts');
    expect(files).toContain(relative(root, join(out, 'demo-input.json')));
    expect(files.some((f) => f.startsWith('node_modules/commander/'))).toBe(true);
    const page = await readFile(join(out, 'dist/man/cohabit.1'), 'utf8');
    expect(page).toMatch(/^\.TH COHABIT 1 /m);
    expect(page).toContain('.SS "cohabit inventory [options]"');
  });
});
