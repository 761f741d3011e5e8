// Checks the packaging files with the tools that will read them: Nix's parser, electron-builder's
// schema, desktop-file-validate and polkit's DTD; and that the files agree with each other.
// Needs nix-bin, desktop-file-utils, libxml2-utils and polkitd (Debian packages).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const POLICY = join(here, 'polkit/org.cohabit.helper.policy');
const HELPER_PATH = '/opt/Cohabit/resources/helper/cohabit-helper';

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function desktopEntry(text: string): Record<string, string> {
  const entry: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) entry[match[1]] = match[2];
  }
  return entry;
}

describe('the Nix package and module', () => {
  const files = readdirSync(join(here, 'nix')).filter((f) => f.endsWith('.nix'));

  it('are all there (build/nix-eval.spec.ts evaluates them)', () => {
    expect(files.sort()).toEqual(['check.nix', 'module.nix', 'package.nix', 'source.nix']);
  });

  for (const file of [...files.map((f) => join(here, 'nix', f)), join(root, 'flake.nix')]) {
    it(`${file.slice(root.length + 1)} parses with nix-instantiate`, () => {
      expect(() => run('nix-instantiate', ['--parse', file])).not.toThrow();
    });
  }

  it('wraps nixpkgs electron around the app directory and binds the polkit action to its helper', () => {
    const nix = readFileSync(join(here, 'nix/package.nix'), 'utf8');
    expect(nix).toMatch(/makeWrapper \$\{lib\.getExe electron\} \$out\/bin\/cohabit-desktop/);
    expect(nix).toContain('helper=$out/lib/cohabit/helper/cohabit-helper');
    expect(nix).toContain(`--replace-fail ${HELPER_PATH} $helper`);
  });
});

describe('the electron-builder configuration', () => {
  it("passes electron-builder's own schema", async () => {
    const config = await getConfig(root, join(here, 'electron-builder.yml'), null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    expect(config.linux?.target).toEqual([
      { target: 'AppImage', arch: ['x64', 'arm64'] },
      { target: 'deb', arch: ['x64', 'arm64'] },
    ]);
    expect(config.linux?.category).toBe('System');
    expect(config.productName).toBe('Cohabit');
  });

  it('describes the app as build/cohabit.desktop does', async () => {
    const config = await getConfig(root, join(here, 'electron-builder.yml'), null);
    const entry = desktopEntry(readFileSync(join(here, 'cohabit.desktop'), 'utf8'));
    const builderEntry = (config.linux?.desktop?.entry ?? {}) as Record<string, string>;
    for (const [key, value] of Object.entries(builderEntry)) expect(entry[key], key).toBe(value);
    expect(entry.Exec).toBe(config.executableName);
  });

  it('installs the helper and the policy where the policy says the helper is', async () => {
    const config = await getConfig(root, join(here, 'electron-builder.yml'), null);
    const resources = JSON.stringify(config.extraResources);
    expect(resources).toContain('"to":"helper/cohabit-helper"');
    expect(resources).toContain('"to":"helper/cohabit-helper.mjs"');
    // electron-builder's .deb puts the app in /opt/<productName>, resources in resources/.
    expect(HELPER_PATH.startsWith(`/opt/${config.productName ?? ''}/resources/helper/`)).toBe(true);
    expect(config.deb?.fpm).toContain(
      `build/polkit/org.cohabit.helper.policy=/usr/share/polkit-1/actions/org.cohabit.helper.policy`,
    );
  });
});

describe('the .deb on the system node, and the fuses', () => {
  /** package.json's engines.node, ">=MAJOR.MINOR": the one Node.js floor. */
  function nodeFloor(): { major: number; minor: number } {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const match = /^>=(\d+)\.(\d+)$/.exec(manifest.engines.node);
    if (!match) throw new Error(`engines.node is not ">=MAJOR.MINOR": ${manifest.engines.node}`);
    return { major: Number(match[1]), minor: Number(match[2]) };
  }

  it("depends on nodejs at engines.node, beside electron-builder's own list for Electron", async () => {
    const config = await getConfig(root, join(here, 'electron-builder.yml'), null);
    const { major, minor } = nodeFloor();
    const depends = config.deb?.depends ?? [];
    expect(depends).toContain(`nodejs (>= ${major}.${minor})`);
    // Setting depends replaces FpmTarget's default: every entry of it must still be there.
    const fpm = readFileSync(
      join(root, 'node_modules/app-builder-lib/out/targets/FpmTarget.js'),
      'utf8',
    );
    const defaults = /case "deb":\s*return (\[[^\]]*\]);/.exec(fpm)?.[1];
    expect(defaults).toBeDefined();
    for (const dep of JSON.parse(defaults ?? '[]') as string[]) expect(depends).toContain(dep);
  });

  for (const script of ['cohabit', 'cohabit-helper']) {
    it(`build/linux/${script} checks the same Node.js floor and passes shellcheck`, () => {
      const text = readFileSync(join(here, 'linux', script), 'utf8');
      const { major, minor } = nodeFloor();
      expect(text).toContain(`\nneed_major=${major}\nneed_minor=${minor}\nnode=/usr/bin/node\n`);
      expect(text).not.toContain('ELECTRON_RUN_AS_NODE');
      expect(() => run('shellcheck', ['-s', 'sh', join(here, 'linux', script)])).not.toThrow();
    });
  }

  it('packs the app into app.asar and sets every fuse the issue names', async () => {
    const config = await getConfig(root, join(here, 'electron-builder.yml'), null);
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // Each fuse has its reason written beside it.
    const yml = readFileSync(join(here, 'electron-builder.yml'), 'utf8');
    const block = yml.slice(yml.indexOf('\nelectronFuses:\n'));
    for (const fuse of Object.keys(config.electronFuses ?? {}))
      expect(block, fuse).toMatch(new RegExp(`  # [^\\n]+\\n(  # [^\\n]*\\n)*  ${fuse}: `));
  });
});

describe('the desktop entry', () => {
  it('passes desktop-file-validate', () => {
    expect(run('desktop-file-validate', [join(here, 'cohabit.desktop')])).toBe('');
  });
});

describe('the polkit policy', () => {
  it("is valid against polkit's DTD", () => {
    expect(() =>
      run('xmllint', ['--noout', '--dtdvalid', '/usr/share/polkit-1/policyconfig-1.dtd', POLICY]),
    ).not.toThrow();
  });

  it('has one action, admin authentication every time, bound to the helper path', () => {
    const xml = readFileSync(POLICY, 'utf8');
    expect([...xml.matchAll(/<action id="([^"]+)">/g)].map((m) => m[1])).toEqual([
      'org.cohabit.helper.apply',
    ]);
    for (const tag of ['allow_any', 'allow_inactive', 'allow_active']) {
      expect(xml).toContain(`<${tag}>auth_admin</${tag}>`);
    }
    expect(xml).not.toMatch(/>auth_[a-z_]*_keep<|>yes</);
    expect(xml).toContain(
      `<annotate key="org.freedesktop.policykit.exec.path">${HELPER_PATH}</annotate>`,
    );
    expect(xml).toContain(
      '<message>Cohabit needs to apply the changes shown in its plan</message>',
    );
  });
});

describe('the icons', () => {
  it('come in every size from 16 to 512 pixels, each PNG as large as its name says', () => {
    const sizes = [16, 24, 32, 48, 64, 128, 256, 512];
    for (const size of sizes) {
      const png = readFileSync(join(here, 'icons', `${size}x${size}.png`));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)], `${size}`).toEqual([size, size]);
    }
    expect(readFileSync(join(here, 'icons/cohabit.svg'), 'utf8')).toMatch(/viewBox="0 0 512 512"/);
  });
});
