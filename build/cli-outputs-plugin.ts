// Two outputs made from the CLI bundle once it is written: dist/cli.sources.json, what it was
// built from, so that bin/cohabit.mjs in a checkout runs the bundle only while it is up to date
// with the sources (bin/cli-freshness.mjs); and dist/man/cohabit.1, the man page, written by the
// bundle itself from its commander definitions (electron/cli/man-page.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type { Plugin } from 'vite';
import { recordSources } from '../bin/cli-freshness.mjs';

/** Files that shape the bundle without being one of its modules. */
const CONFIG_FILES = ['build/vite.node.config.ts', 'build/cli-outputs-plugin.ts', 'tsconfig.json'];

interface CliBundle {
  buildProgram: () => Command;
  formatManPage: (program: Command) => string;
}

/**
 * `assets`: source files the CLI reads at run time through a copy the build makes (the demo
 * machine), recorded too: a changed source must not leave the bundle reading an old copy.
 */
export function cliOutputs(root: string, assets: readonly string[] = []): Plugin {
  let builds = 0;
  return {
    name: 'cohabit:cli-outputs',
    applyToEnvironment: (environment) => environment.name === 'cli',
    async writeBundle(options, bundle) {
      const dir = options.dir ?? '';
      const cli = Object.values(bundle).find((o) => o.type === 'chunk' && o.isEntry);
      if (cli?.type !== 'chunk') return this.error('the CLI build wrote no entry chunk');
      // Virtual modules (rolldown's runtime, "\0" ids) are not files; the rest are absolute paths.
      const files = cli.moduleIds
        .filter((id) => isAbsolute(id) && !id.includes('\0'))
        .map((id) => relative(root, id.replace(/\?.*$/, '')));
      if (files.length === 0) return this.error('the CLI bundle reports no source modules');
      const bundlePath = join(dir, cli.fileName);
      const copied = assets.map((path) => relative(root, path));
      const manifest = recordSources(root, [...files, ...copied, ...CONFIG_FILES], bundlePath);
      await writeFile(join(dir, 'cli.sources.json'), JSON.stringify(manifest, null, 1) + '\n');

      // A fresh URL each build: a second build in one process must not get the cached module.
      const url = `${pathToFileURL(bundlePath).href}?build=${++builds}`;
      const { buildProgram, formatManPage } = (await import(url)) as CliBundle;
      await mkdir(join(dir, 'man'), { recursive: true });
      await writeFile(join(dir, 'man/cohabit.1'), formatManPage(buildProgram()));
    },
  };
}
