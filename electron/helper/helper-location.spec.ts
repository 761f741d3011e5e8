import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HelperLocationError,
  NO_HELPER_MESSAGE,
  PACKAGED_HELPER_RELATIVE,
  findAppDir,
  helperFromManifest,
  installedHelperPath,
  locateHelper,
} from './helper-location';
import { runRequest } from './elevate';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohabit-helper-location-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An installed app: <dir>/resources/app/{package.json, dist/electron/main.cjs, dist/cli.mjs}. */
async function installedApp(manifest: Record<string, unknown>): Promise<string> {
  const app = join(dir, 'resources/app');
  await mkdir(join(app, 'dist/electron'), { recursive: true });
  await writeFile(join(app, 'package.json'), JSON.stringify(manifest));
  return app;
}

describe('installedHelperPath', () => {
  it('finds the helper beside the app from either bundle, by the package.json field', async () => {
    const app = await installedApp({ name: 'cohabit', cohabitHelper: PACKAGED_HELPER_RELATIVE });
    const expected = join(dir, 'resources/helper/cohabit-helper');
    for (const bundle of ['dist/cli.mjs', 'dist/electron/main.cjs']) {
      const url = pathToFileURL(join(app, bundle)).href;
      expect(installedHelperPath(url, {}), bundle).toBe(expected);
    }
  });

  it('says there is none in a checkout (no field), whatever the environment says', async () => {
    const app = await installedApp({ name: 'cohabit' });
    const url = pathToFileURL(join(app, 'dist/cli.mjs')).href;
    expect(installedHelperPath(url, { PATH: '/tmp', COHABIT_HELPER: '/tmp/evil' })).toBeNull();
  });

  it('this checkout has none', () => {
    expect(installedHelperPath()).toBeNull();
  });

  it('says there is none inside a mounted AppImage, where root cannot read', async () => {
    const app = await installedApp({ name: 'cohabit', cohabitHelper: PACKAGED_HELPER_RELATIVE });
    const url = pathToFileURL(join(app, 'dist/cli.mjs')).href;
    expect(installedHelperPath(url, { APPDIR: dir })).toBeNull();
    expect(installedHelperPath(url, { APPDIR: join(dir, 'elsewhere') })).toBe(
      join(dir, 'resources/helper/cohabit-helper'),
    );
  });

  it("skips another package's package.json on the way up", async () => {
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'cohabit', cohabitHelper: PACKAGED_HELPER_RELATIVE }),
    );
    await mkdir(join(dir, 'lib/dist'), { recursive: true });
    await writeFile(join(dir, 'lib/package.json'), JSON.stringify({ name: 'other' }));
    expect(findAppDir(join(dir, 'lib/dist')).dir).toBe(dir);
  });
});

describe('helperFromManifest', () => {
  it.each([['/usr/bin/evil'], ['../helper/other'], [''], [42], ['../helper/cohabit-helper\0']])(
    'refuses %j: only a relative path to a cohabit-helper',
    (field) => {
      expect(() => helperFromManifest(dir, { name: 'cohabit', cohabitHelper: field })).toThrow(
        HelperLocationError,
      );
    },
  );
});

describe('starting the helper from a copy without one', () => {
  it('says so, instead of pkexec answering 127 ("not authorised")', async () => {
    expect(locateHelper()).toEqual({ problem: NO_HELPER_MESSAGE });
    const outcome = await runRequest(
      { type: 'list-unfinished' },
      { mode: 'pkexec', env: { PATH: '/nonexistent' } },
    );
    expect(outcome).toMatchObject({ kind: 'exited-early', message: NO_HELPER_MESSAGE });
  });
});
