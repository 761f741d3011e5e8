// Drafts outlive the backend that kept them, stay private to the user, never hold a password
// hash, belong to one machine, and a torn file is no draft rather than an error.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SAMPLE_PASSWORD_HASH, seedLayout } from '../../shared/planner/examples';
import { createBackend } from './backend';
import { createDraftStore, defaultDraftsDir, machineKey } from './drafts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohabit-drafts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('draft channels', () => {
  it('keep a draft across backends, without its password hash, in a 0600 file', async () => {
    const first = createBackend({ kind: 'demo' }, { draftsDir: join(dir, 'drafts') });
    const inventory = await first.handlers['machine:inventory']({});
    const layout = seedLayout(inventory);
    expect(layout.systems[0]?.user.passwordHash).toBe(SAMPLE_PASSWORD_HASH);
    // An unfinished edit is a draft too: an empty user name is kept as it is.
    const drawn = {
      ...layout,
      systems: layout.systems.map((s) => ({ ...s, user: { ...s.user, name: '' } })),
    };
    const { savedAt } = await first.handlers['draft:save']({ layout: drawn });
    expect(savedAt).not.toBeNull();
    await first.close();

    const files = await readdir(join(dir, 'drafts'));
    expect(files).toHaveLength(1);
    const file = join(dir, 'drafts', files[0] ?? '');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'drafts'))).mode & 0o777).toBe(0o700);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(SAMPLE_PASSWORD_HASH);
    expect(text).not.toContain('$y$');

    const second = createBackend({ kind: 'demo' }, { draftsDir: join(dir, 'drafts') });
    const { draft } = await second.handlers['draft:load']({});
    expect(draft?.savedAt).toBe(savedAt);
    expect(draft?.layout.systems[0]?.user).toEqual({ name: '', passwordHash: '', wheel: true });
    expect(draft?.layout.vms).toEqual(drawn.vms);

    await second.handlers['draft:save']({ layout: null });
    expect(await second.handlers['draft:load']({})).toEqual({ draft: null });
    expect(await readdir(join(dir, 'drafts'))).toEqual([]);
  });

  it('keeps every field a layout can hold, the optional host choices included', async () => {
    // A draft of a "module only" layout was once refused as a bad request, so the editor's
    // change went unkept (the draft schema had not followed the Layout).
    const backend = createBackend({ kind: 'demo' }, { draftsDir: dir });
    const layout = seedLayout(await backend.handlers['machine:inventory']({}));
    const drawn = {
      ...layout,
      host: {
        headless: true,
        mainConfiguration: 'module-only' as const,
        vfioEntry: 'default' as const,
      },
    };
    await backend.handlers['draft:save']({ layout: drawn });
    const { draft } = await backend.handlers['draft:load']({});
    expect(draft?.layout.host).toEqual(drawn.host);
    await backend.close();
  });

  it('refuses a draft that is not a layout in shape', async () => {
    const backend = createBackend({ kind: 'demo' }, { draftsDir: dir });
    await expect(
      backend.handlers['draft:save']({ layout: { format: 'cohabit-layout/1', pool: 'zroot' } }),
    ).rejects.toMatchObject({ code: 'bad-request' });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('createDraftStore', () => {
  it('reads a torn or foreign file as no draft', async () => {
    const store = createDraftStore(dir);
    const key = '0123456789abcdef0123456789abcdef';
    await writeFile(join(dir, `${key}.json`), '{"format":"cohabit-draft/1","sav');
    expect(await store.load(key)).toBeNull();
    await writeFile(join(dir, `${key}.json`), '{"format":"something else"}');
    expect(await store.load(key)).toBeNull();
  });

  it('refuses a key that could name another file', async () => {
    const store = createDraftStore(dir);
    await expect(store.load('../../etc/passwd')).rejects.toThrow(/not a machine key/);
  });
});

describe('machineKey', () => {
  it('differs between machines and never holds the address in clear', async () => {
    const backend = createBackend({ kind: 'demo' }, { draftsDir: dir });
    const inventory = await backend.handlers['machine:inventory']({});
    const demo = machineKey({ kind: 'demo' }, inventory);
    const ssh = machineKey({ kind: 'ssh', target: { user: 'root', host: 'server' } }, inventory);
    const other = machineKey(
      { kind: 'demo' },
      { ...inventory, os: { ...inventory.os, hostId: 'deadbeef' } },
    );
    expect(new Set([demo, ssh, other]).size).toBe(3);
    expect(demo).toMatch(/^[0-9a-f]{32}$/);
    expect(machineKey({ kind: 'demo' }, inventory)).toBe(demo);
  });
});

describe('defaultDraftsDir', () => {
  it('follows XDG_STATE_HOME and ignores a relative one', () => {
    expect(defaultDraftsDir({ XDG_STATE_HOME: '/s' })).toBe('/s/cohabit/drafts');
    expect(defaultDraftsDir({ XDG_STATE_HOME: 'rel' })).toMatch(
      /\/\.local\/state\/cohabit\/drafts$/,
    );
  });
});
