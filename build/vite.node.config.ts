// Bundles the Node side (after `vite build` has built the renderer): the Electron main process
// and the sandboxed preload as CommonJS in dist/electron/, the CLI as ESM in dist/cli.mjs for
// installed packages, and the root helper in dist/helper/cohabit-helper. Single-entry builds, so
// each output is one file without shared chunks.
import { existsSync } from 'node:fs';
import { chmod, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import type { EnvironmentOptions, Plugin, UserConfig } from 'vite';
import { cliOutputs } from './cli-outputs-plugin.ts';
import { DEMO_MACHINES } from '../electron/host/demo-machines.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * electron/host/select-host.ts reads the demo machine at `./demo/demo-machine.snapshot.json`
 * relative to its module, which in a bundle is the bundle file: a copy goes next to each, with the
 * other demo machines' snapshots (electron/host/demo-machines.ts) beside it.
 */
export const DEMO_SNAPSHOT = `${root}electron/host/demo/demo-machine.snapshot.json`;

/**
 * The other demo machines' snapshots (`--demo NAME`), beside the default one: all of them for a
 * build from the checkout, those that exist for a build given another default (the spec's).
 */
function demoSiblings(path: string): Array<{ name: string; file: string; path: string }> {
  const dir = path.slice(0, path.lastIndexOf('/'));
  return DEMO_MACHINES.filter((m) => m.file !== 'demo-machine.snapshot.json')
    .map((m) => ({ name: m.name, file: m.file, path: `${dir}/${m.file}` }))
    .filter((m) => path === DEMO_SNAPSHOT || existsSync(m.path));
}

function shipDemoSnapshot(path: string): Plugin {
  return {
    name: 'cohabit:demo-snapshot',
    applyToEnvironment: (environment) => environment.name === 'main' || environment.name === 'cli',
    async generateBundle() {
      let source: string;
      try {
        source = await readFile(path, 'utf8');
      } catch {
        this.error(`${path} is missing: \`--demo\` would fail in this build.`);
      }
      this.emitFile({ type: 'asset', fileName: 'demo/demo-machine.snapshot.json', source });
      for (const sibling of demoSiblings(path)) {
        let text: string;
        try {
          text = await readFile(sibling.path, 'utf8');
        } catch {
          this.error(
            `${sibling.path} is missing: \`--demo ${sibling.name}\` would fail in this build.`,
          );
        }
        this.emitFile({ type: 'asset', fileName: `demo/${sibling.file}`, source: text });
      }
    },
  };
}

/** The root helper is run directly by pkexec or sudo: it must be executable. */
function executableHelper(): Plugin {
  return {
    name: 'cohabit:executable-helper',
    applyToEnvironment: (environment) => environment.name === 'helper',
    async writeBundle(options, bundle) {
      for (const fileName of Object.keys(bundle))
        await chmod(`${options.dir ?? ''}/${fileName}`, 0o755);
    },
  };
}

function nodeBundle(options: {
  entry: string;
  outDir: string;
  fileName: string;
  format: 'cjs' | 'es';
  emptyOutDir: boolean;
  external: string[];
  banner?: string;
}): EnvironmentOptions {
  return {
    consumer: 'server',
    resolve: {
      // Everything but Electron and Node's built-ins goes into the bundle: the app ships no
      // node_modules, and a sandboxed preload could not load them anyway.
      noExternal: true,
      external: options.external,
    },
    build: {
      outDir: options.outDir,
      emptyOutDir: options.emptyOutDir,
      target: 'node20',
      // Unminified: stack traces in a user's log stay readable.
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      rolldownOptions: {
        input: `${root}${options.entry}`,
        output: {
          format: options.format,
          entryFileNames: options.fileName,
          codeSplitting: false,
          ...(options.banner === undefined ? {} : { banner: options.banner }),
        },
      },
    },
  };
}

/** The build, writing under `outDir` (dist/ normally; a temporary directory in the spec). */
export function nodeBuildConfig(
  outDir = `${root}dist`,
  demoSnapshot: string = DEMO_SNAPSHOT,
): UserConfig {
  return {
    root,
    logLevel: 'warn',
    plugins: [
      shipDemoSnapshot(demoSnapshot),
      executableHelper(),
      cliOutputs(root, [demoSnapshot, ...demoSiblings(demoSnapshot).map((d) => d.path)]),
    ],
    environments: {
      main: nodeBundle({
        entry: 'electron/main/main.ts',
        outDir: `${outDir}/electron`,
        fileName: 'main.cjs',
        format: 'cjs',
        emptyOutDir: true,
        external: ['electron'],
      }),
      preload: nodeBundle({
        entry: 'electron/preload/preload.ts',
        outDir: `${outDir}/electron`,
        fileName: 'preload.cjs',
        format: 'cjs',
        emptyOutDir: false,
        external: ['electron'],
      }),
      cli: nodeBundle({
        entry: 'electron/cli/main.ts',
        outDir,
        fileName: 'cli.mjs',
        format: 'es',
        emptyOutDir: false,
        external: [],
      }),
      // The root helper: one self-contained file. Packages start it with an absolute node path
      // (the Nix package wraps it with nixpkgs' node); the shebang serves a checkout.
      helper: nodeBundle({
        entry: 'electron/helper/cohabit-helper.ts',
        outDir: `${outDir}/helper`,
        fileName: 'cohabit-helper',
        format: 'es',
        emptyOutDir: true,
        external: [],
        banner: '#!/usr/bin/env node',
      }),
    },
    builder: {
      async buildApp(builder) {
        // In this order: main empties dist/electron before the preload is written into it.
        for (const name of ['main', 'preload', 'cli', 'helper']) {
          const environment = builder.environments[name];
          if (environment === undefined) throw new Error(`no build environment ${name}`);
          await builder.build(environment);
        }
      },
    },
  };
}

export default defineConfig(nodeBuildConfig());
