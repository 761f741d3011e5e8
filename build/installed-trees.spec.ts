// Every way to install Cohabit, checked the way pkexec, a desktop and a shell will use it, from one
// build. The Nix package, the NixOS module and the flake, proved without a Nix store: evaluated
// with the real nixpkgs lib (../shared/vendor/) and stand-in builders (build/nix/eval-harness.ts);
// the evaluated installPhase then runs in a temporary $out against a real `npm run build` of the
// filtered source. The same build then goes through electron-builder --dir against a stand-in
// Electron (build/linux/unpacked-harness.ts), the layout inside the AppImage and the .deb, with
// its fuses flipped in the stand-in's copy of Electron's fuse wire.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAND_INS, evaluateNix } from './nix/eval-harness';
import type { Harness } from './nix/eval-harness';
import { STAND_IN_FUSE_WIRE, buildUnpacked } from './linux/unpacked-harness';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { FuseState } from '@electron/fuses/dist/constants';
import { extractFile, listPackage } from '@electron/asar';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const VENDOR = join(root, '../shared/vendor/nixpkgs-lib-de42d442.tar.gz');
const VERSION = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
).version;

let work: string;
let harness: Harness;
let out: string;
let app: string;
let stage: string;
let unpacked: Awaited<ReturnType<typeof buildUnpacked>>;

function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
) {
  return spawnSync(command, args, { encoding: 'utf8', timeout: 120_000, ...options });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cohabit-nix-'));
  // The helper runs as nobody below: it must be able to reach it.
  await chmod(work, 0o755);
  execFileSync('tar', ['-xzf', VENDOR, '-C', work]);
  harness = await evaluateNix(root, join(work, 'nixpkgs-lib/lib'), work);
  out = harness.out;
  app = join(out, 'lib/cohabit/app');

  // The Nix build's source: exactly the files the filter keeps, built as the package builds it.
  stage = join(work, 'source');
  for (const file of harness.evaluation.package.source) {
    await mkdir(dirname(join(stage, file)), { recursive: true });
    await cp(join(root, file), join(stage, file), { preserveTimestamps: true });
  }
  await symlink(join(root, 'node_modules'), join(stage, 'node_modules'));
  const build = run('npm', ['run', harness.evaluation.package.npmBuildScript], {
    cwd: stage,
    env: { ...process.env, ...harness.evaluation.package.env },
  });
  if (build.status !== 0)
    throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);

  const script = `source ${STAND_INS}\ncd ${stage}\n${harness.evaluation.package.installPhase}`;
  const install = run('bash', ['-euo', 'pipefail', '-c', script], {
    env: { PATH: process.env.PATH, HOME: work, out },
  });
  if (install.status !== 0) throw new Error(`installPhase failed:\n${install.stderr}`);

  const electron = JSON.parse(
    readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8'),
  ) as { version: string };
  unpacked = await buildUnpacked(stage, work, electron.version);
}, 420_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** The path polkit's action lets pkexec run. */
function policyHelper(): string {
  const policy = readFileSync(
    join(out, 'share/polkit-1/actions/org.cohabit.helper.policy'),
    'utf8',
  );
  const match = /<annotate key="org\.freedesktop\.policykit\.exec\.path">([^<]+)<\/annotate>/.exec(
    policy,
  );
  if (!match?.[1]) throw new Error('the installed policy names no exec.path');
  return match[1];
}

describe('the Nix package, evaluated', () => {
  it('builds from the lock file with nixpkgs electron and nodejs, and downloads no Electron', () => {
    const pkg = harness.evaluation.package;
    expect(pkg.pname).toBe('cohabit');
    expect(pkg.version).toBe(VERSION);
    expect(pkg.npmDeps).toEqual({ npmRoot: root, filtered: true });
    expect(pkg.npmConfigHook).toBe('npm-config-hook');
    expect(pkg.nodejs).toBe('nodejs');
    expect(pkg.installPhase).toContain(`${harness.electron}/bin/electron`);
    expect(pkg.env.ELECTRON_SKIP_BINARY_DOWNLOAD).toBe('1');
    expect(pkg.nativeBuildInputs).toEqual(['make-wrapper-hook']);
    expect([pkg.mainProgram, pkg.license, pkg.linux]).toEqual([
      'cohabit',
      'GPL-3.0-or-later',
      true,
    ]);
  });

  it("builds from a source without the checkout's node_modules/, dist/, tests or hidden files", () => {
    const { source, keptOutputs, sourceName } = harness.evaluation.package;
    expect(sourceName).toBe('cohabit-source');
    expect(keptOutputs).toEqual([]);
    expect(existsSync(join(root, 'node_modules'))).toBe(true);
    for (const file of source) {
      expect(file).not.toMatch(/(^|\/)(node_modules|dist|release|result)(\/|$)/);
      expect(file).not.toMatch(/(^|\/)\.|\.spec\.ts$|^(test|docs)\//);
    }
    for (const needed of [
      'package.json',
      'package-lock.json',
      'electron/cli/main.ts',
      'renderer/index.html',
    ])
      expect(source).toContain(needed);
  });

  it('builds from that source alone (npm run build succeeded on the filtered copy)', () => {
    for (const output of [
      'dist/cli.mjs',
      'dist/electron/main.cjs',
      'dist/helper/cohabit-helper',
      'dist/man/cohabit.1',
    ])
      expect(existsSync(join(stage, output)), output).toBe(true);
  });
});

describe('the installed tree', () => {
  it('binds the polkit action to the helper inside $out, which is executable', () => {
    const helper = policyHelper();
    expect(helper).toBe(join(out, 'lib/cohabit/helper/cohabit-helper'));
    expect(statSync(helper).isFile()).toBe(true);
    expect(() => accessSync(helper, constants.X_OK)).not.toThrow();
  });

  it('has a helper that runs without PATH and refuses a normal user in its own words', () => {
    const helper = policyHelper();
    const asRoot = process.getuid?.() === 0;
    // As root here, the helper would act: drop to nobody (uid 65534) first.
    const argv = asRoot
      ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-i', helper]]
      : ['env', ['-i', helper]];
    const result = run(argv[0] as string, argv[1] as string[], {
      input: '{"type":"list-unfinished"}\n',
    });
    expect(result.status, result.stderr).toBe(4);
    const event = JSON.parse(result.stdout) as { type: string; code: string; message: string };
    expect(event).toMatchObject({ type: 'error', code: 'not-root' });
    expect(event.message).toMatch(
      /must run as root \(through pkexec or sudo\)\. Nothing was changed\./,
    );
  });

  it('lets the installed app find that same helper from its own location', () => {
    const script = `const cli = await import(${JSON.stringify(join(app, 'dist/cli.mjs'))}); process.stdout.write(String(cli.installedHelperPath()));`;
    const result = run(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: '/nonexistent' },
    });
    expect(result.stdout, result.stderr).toBe(policyHelper());
  });

  it('runs `bin/cohabit --version` with no environment at all', () => {
    const result = run('env', ['-i', join(out, 'bin/cohabit'), '--version']);
    expect(result.stdout.trim(), result.stderr).toBe(VERSION);
  });

  it('starts the desktop app on the app directory, whose package.json names the main bundle', () => {
    const result = run('env', ['-i', join(out, 'bin/cohabit-desktop')]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(app);
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
      main: string;
      name: string;
    };
    expect(manifest.name).toBe('cohabit');
    expect(existsSync(join(app, manifest.main))).toBe(true);
  });

  it('installs a desktop entry that passes desktop-file-validate, icons and the man page', () => {
    const entry = join(out, 'share/applications/cohabit.desktop');
    expect(run('desktop-file-validate', [entry]).stdout).toBe('');
    expect(existsSync(join(out, 'share/icons/hicolor/scalable/apps/cohabit.svg'))).toBe(true);
    expect(existsSync(join(out, 'share/icons/hicolor/512x512/apps/cohabit.png'))).toBe(true);
    const man = join(out, 'share/man/man1/cohabit.1');
    const groff = run('groff', ['-man', '-Tutf8', '-ww', '-z', man]);
    expect([groff.status, groff.stderr]).toEqual([0, '']);
    expect(readFileSync(man, 'utf8')).toContain(`"cohabit ${VERSION}"`);
  });
});

describe('the NixOS module', () => {
  it('installs the package and links its polkit action when enabled, and nothing when not', () => {
    const { enabled, disabled } = harness.evaluation.module;
    expect(enabled).toEqual({
      systemPackages: [out],
      pathsToLink: ['/share/polkit-1'],
      polkit: true,
    });
    expect(disabled).toEqual({ systemPackages: [], pathsToLink: [], polkit: false });
  });
});

describe('the flake', () => {
  it('has packages, apps, nixosModules.default and checks for x86_64 and aarch64 Linux', () => {
    const { flake, module } = harness.evaluation;
    for (const system of ['x86_64-linux', 'aarch64-linux']) {
      expect(flake.packages[system]).toEqual({
        default: `cohabit-${VERSION}`,
        cohabit: `cohabit-${VERSION}`,
      });
      expect(flake.apps[system]).toEqual({
        default: { type: 'app', program: join(out, 'bin/cohabit-desktop') },
        cli: { type: 'app', program: join(out, 'bin/cohabit') },
      });
      expect(flake.checks[system]).toEqual(['installed-tree', 'package']);
    }
    expect(module.fromFlake).toEqual(module.enabled);
  });

  it('has an installed-tree check that passes on this tree, run as an unprivileged user', async () => {
    // The Nix sandbox builds as an unprivileged user; as root here, run the check as nobody.
    const cwd = join(work, 'check');
    await mkdir(cwd);
    await chmod(cwd, 0o777);
    const script = harness.evaluation.flake.installedTreeCheck;
    const bash = ['bash', '-euo', 'pipefail', '-c', script];
    const argv =
      process.getuid?.() === 0
        ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...bash]
        : bash;
    const result = spawnSync(argv[0] ?? '', argv.slice(1), {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
      // stdin a socket would make Debian's bash read /etc/bash.bashrc, as for an rsh session.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, out: join(cwd, 'result') },
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(existsSync(join(cwd, 'result'))).toBe(true);
  });
});

/** The .deb installs the unpacked layout at /opt/Cohabit: paths it names, mapped into `dir`. */
function inUnpacked(dir: string, path: string): string {
  expect(path.startsWith('/opt/Cohabit/')).toBe(true);
  return join(dir, path.slice('/opt/Cohabit/'.length));
}

/** Runs argv as nobody when this test runs as root (as the helper would otherwise act). */
function asNobody(argv: string[], input: string) {
  const full =
    process.getuid?.() === 0
      ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...argv]
      : argv;
  return run(full[0] ?? '', full.slice(1), { input });
}

/**
 * A copy of one of build/linux's scripts beside the original (the helper finds its bundle from
 * its own directory), with /usr/bin/node replaced by `node` and, for /usr/bin/cohabit,
 * /opt/Cohabit/ by the unpacked layout.
 */
async function scriptCopy(original: string, at: string, node: string, dir: string) {
  const text = readFileSync(original, 'utf8');
  expect(text).toContain('\nnode=/usr/bin/node\n');
  await writeFile(
    at,
    text
      .replace('\nnode=/usr/bin/node\n', `\nnode=${node}\n`)
      .replaceAll('/opt/Cohabit/', `${dir}/`),
    { mode: 0o755 },
  );
  return at;
}

/** A `node` that only answers --version, as Debian 12's and Ubuntu 24.04's would. */
async function oldNode(): Promise<string> {
  const path = join(work, 'node-18');
  await writeFile(path, '#!/bin/sh\necho v18.19.1\n', { mode: 0o755 });
  return path;
}

describe('the .deb and AppImage layout (electron-builder --dir, stand-in Electron)', () => {
  it('was built for x64 and arm64 without downloading anything', () => {
    expect(unpacked.cacheEntries).toEqual([]);
    for (const dir of Object.values(unpacked.dirs))
      expect(() => accessSync(join(dir, 'cohabit-desktop'), constants.X_OK)).not.toThrow();
  });

  for (const arch of ['x64', 'arm64'] as const) {
    it(`${arch}: has its fuses flipped as electron-builder.yml says (read back by @electron/fuses)`, async () => {
      const binary = join(unpacked.dirs[arch], 'cohabit-desktop');
      const wire = await getCurrentFuseWire(binary);
      const on = FuseState.ENABLE;
      const off = FuseState.DISABLE;
      // The stand-in started from Electron's defaults (STAND_IN_FUSE_WIRE: 10110001).
      expect(STAND_IN_FUSE_WIRE).toBe('10110001');
      expect(wire).toEqual({
        version: '1',
        [FuseV1Options.RunAsNode]: off,
        [FuseV1Options.EnableCookieEncryption]: on,
        [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: off,
        [FuseV1Options.EnableNodeCliInspectArguments]: off,
        [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: on,
        [FuseV1Options.OnlyLoadAppFromAsar]: on,
        [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: off,
        [FuseV1Options.GrantFileProtocolExtraPrivileges]: off,
      });
    });

    it(`${arch}: installs the helper where the policy says, run by root on the system's node with no PATH`, async () => {
      const dir = unpacked.dirs[arch];
      const policy = readFileSync(join(dir, 'resources/polkit/org.cohabit.helper.policy'), 'utf8');
      const path = /exec\.path">([^<]+)</.exec(policy)?.[1] ?? '';
      expect(path).toBe('/opt/Cohabit/resources/helper/cohabit-helper');
      const helper = inUnpacked(dir, path);
      expect(() => accessSync(helper, constants.X_OK)).not.toThrow();
      // This machine's node stands for /usr/bin/node, which CI may not have.
      const copy = await scriptCopy(helper, `${helper}-this-node`, process.execPath, dir);
      const result = asNobody(['env', '-i', copy], '{"type":"list-unfinished"}\n');
      expect(result.status, result.stderr).toBe(4);
      expect(JSON.parse(result.stdout)).toMatchObject({ type: 'error', code: 'not-root' });
    });
  }

  it('refuses to run the helper on a node older than engines.node, before the helper reads anything', async () => {
    const dir = unpacked.dirs.x64;
    const helper = join(dir, 'resources/helper/cohabit-helper');
    const copy = await scriptCopy(helper, `${helper}-old-node`, await oldNode(), dir);
    const result = asNobody(['env', '-i', copy], '{"type":"list-unfinished"}\n');
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/needs Node\.js >= 20\.19 at .*node-18, found 18\.19\.1/);
  });

  it('packs the app into app.asar, which Electron alone loads, with only what plain node runs beside it', () => {
    const resources = join(unpacked.dirs.x64, 'resources');
    const archive = join(resources, 'app.asar');
    // onlyLoadAppFromAsar: a resources/app/ directory would be ignored, so there must be none.
    expect(existsSync(join(resources, 'app'))).toBe(false);
    const packed = listPackage(archive, { isPack: false });
    for (const inside of ['/dist/electron/main.cjs', '/dist/electron/preload.cjs'])
      expect(packed, inside).toContain(inside);
    expect(extractFile(archive, 'dist/electron/main.cjs')).toEqual(
      readFileSync(join(stage, 'dist/electron/main.cjs')),
    );
    expect(packed.some((f) => f.startsWith('/dist/electron/demo/'))).toBe(true);
    for (const absent of ['/node_modules', '/dist/helper', '/dist/cli.sources.json'])
      expect(
        packed.some((f) => f.startsWith(absent)),
        absent,
      ).toBe(false);
    // Unpacked: what /usr/bin/cohabit runs on the system's node, and package.json.
    const unpackedDir = join(resources, 'app.asar.unpacked');
    for (const file of [
      'package.json',
      'bin/cohabit.mjs',
      'bin/cli-freshness.mjs',
      'dist/cli.mjs',
      'dist/demo/demo-machine.snapshot.json',
      'dist/renderer/index.html',
    ])
      expect(existsSync(join(unpackedDir, file)), file).toBe(true);
    expect(existsSync(join(unpackedDir, 'dist/electron'))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(unpackedDir, 'package.json'), 'utf8')) as {
      name: string;
      main: string;
      cohabitHelper: string;
    };
    expect(manifest).toMatchObject({
      name: 'cohabit',
      main: 'dist/electron/main.cjs',
      cohabitHelper: '../helper/cohabit-helper',
    });
  });

  it('lets the packaged CLI find that helper from app.asar.unpacked, the same one the app names', () => {
    const appDir = join(unpacked.dirs.x64, 'resources/app.asar.unpacked');
    const script = `const cli = await import(${JSON.stringify(join(appDir, 'dist/cli.mjs'))}); process.stdout.write(String(cli.installedHelperPath()));`;
    const result = run(process.execPath, ['--input-type=module', '-e', script], { env: {} });
    expect(result.stdout, result.stderr).toBe(
      join(unpacked.dirs.x64, 'resources/helper/cohabit-helper'),
    );
  });

  it('installs /usr/bin/cohabit on the system node, its man page and the polkit action', async () => {
    const { getConfig } = await import('app-builder-lib/out/util/config/config');
    const config = await getConfig(stage, join(stage, 'build/electron-builder.yml'), null);
    const fpm: Record<string, string> = {};
    for (const mapping of config.deb?.fpm ?? []) {
      const [from = '', to = ''] = mapping.split('=');
      fpm[from] = to;
    }
    expect(fpm).toEqual({
      'build/polkit/org.cohabit.helper.policy':
        '/usr/share/polkit-1/actions/org.cohabit.helper.policy',
      'build/linux/cohabit': '/usr/bin/cohabit',
      'dist/man/cohabit.1': '/usr/share/man/man1/cohabit.1',
    });
    for (const source of Object.keys(fpm))
      expect(existsSync(join(stage, source)), source).toBe(true);
    // /usr/bin/cohabit names /opt/Cohabit and /usr/bin/node; run it against the unpacked layout.
    const wrapper = join(stage, 'build/linux/cohabit');
    const dir = unpacked.dirs.x64;
    const local = await scriptCopy(wrapper, join(work, 'cohabit-deb-cli'), process.execPath, dir);
    const result = run('env', ['-i', local, '--version']);
    expect(result.stdout.trim(), result.stderr).toBe(VERSION);
    const old = await scriptCopy(wrapper, join(work, 'cohabit-old-node'), await oldNode(), dir);
    const refused = run('env', ['-i', old, '--version']);
    expect([refused.status, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toMatch(/needs Node\.js >= 20\.19/);
  });
});
