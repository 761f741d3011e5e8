// The static file resolver on its own: what it maps a URL path to, and what it refuses.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeFor, readStaticFile } from './static-files';

let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohabit-static-'));
  root = join(dir, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), 'index');
  await writeFile(join(root, 'assets', 'style.css'), 'css');
  await writeFile(join(root, '.env'), 'hidden');
  await writeFile(join(dir, 'outside.txt'), 'outside');
  // A link inside the root that points out of it must not become a way out.
  await symlink(join(dir, 'outside.txt'), join(root, 'assets', 'link.txt'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readStaticFile', () => {
  it('serves / as index.html and assets with their type', async () => {
    expect((await readStaticFile(root, '/'))?.body.toString()).toBe('index');
    const css = await readStaticFile(root, '/assets/style.css');
    expect(css?.contentType).toBe('text/css; charset=utf-8');
  });

  it.each([
    '/../outside.txt',
    '/%2e%2e/outside.txt',
    '/assets/%2E%2E%2F%2E%2E%2Foutside.txt',
    '/.env',
    '/assets/link.txt',
    '/assets',
    '/%E0%A4%A',
    '/assets//style.css',
  ])('refuses %s', async (path) => {
    expect(await readStaticFile(root, path)).toBeNull();
  });
});

describe('contentTypeFor', () => {
  it('knows the renderer build outputs and falls back to octet-stream', () => {
    expect(contentTypeFor('a.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('a.svg')).toBe('image/svg+xml');
    expect(contentTypeFor('a.bin')).toBe('application/octet-stream');
  });
});
