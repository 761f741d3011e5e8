#!/usr/bin/env node
// Writes the package.json a package installs beside dist/: the checkout's, plus `cohabitHelper`,
// the helper's path relative to the app directory, which the app reads to find its root helper
// (electron/helper/helper-location.ts). Used by the Nix package; electron-builder adds the same
// field through `extraMetadata` (electron-builder.yml).
// Usage: node build/installed-package-json.mjs <package.json> <out> <relative helper path>
import { readFileSync, writeFileSync } from 'node:fs';

const [from, to, helper] = process.argv.slice(2);
if (from === undefined || to === undefined || helper === undefined) {
  process.stderr.write('usage: installed-package-json.mjs <package.json> <out> <helper path>\n');
  process.exit(2);
}
if (helper.startsWith('/') || !helper.endsWith('/cohabit-helper')) {
  process.stderr.write(
    `installed-package-json.mjs: ${helper}: not a relative path to cohabit-helper\n`,
  );
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(from, 'utf8'));
// Build-time fields are of no use to an installed app.
delete manifest.devDependencies;
delete manifest.scripts;
writeFileSync(to, JSON.stringify({ ...manifest, cohabitHelper: helper }, null, 2) + '\n');
