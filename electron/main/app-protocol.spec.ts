import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, isAppUrl, serveAppRequest } from './app-protocol';
import { CONTENT_SECURITY_POLICY } from './security/csp';

describe('isAppUrl', () => {
  it('accepts the app origin only', () => {
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
    expect(isAppUrl('cohabit://app')).toBe(true);
    expect(isAppUrl('cohabit://app/assets/index-1a2b.js?x#y')).toBe(true);
    for (const url of [
      'cohabit://other/index.html',
      'cohabit://user@app/index.html',
      'https://app/index.html',
      'file:///index.html',
      'about:blank',
      '',
      'cohabit:app',
    ]) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });
});

describe('serving the renderer', () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    const base = await mkdtemp(join(tmpdir(), 'cohabit-protocol-'));
    root = join(base, 'renderer');
    outside = join(base, 'secret.txt');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>Cohabit</title>');
    await writeFile(join(root, 'assets', 'index-1a2b.js'), 'console.log(1)');
    await writeFile(join(root, 'assets', 'style.css'), 'body{}');
    await writeFile(outside, 'secret');
    await symlink(outside, join(root, 'assets', 'escape.js'));
  });
  afterAll(async () => {
    await rm(join(root, '..'), { recursive: true, force: true });
  });

  it('serves index.html for the entry URL and the bare origin, with the CSP', async () => {
    for (const url of [APP_ENTRY_URL, 'cohabit://app/', 'cohabit://app']) {
      const response = await serveAppRequest(root, { method: 'GET', url });
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text()).toContain('<title>Cohabit</title>');
    }
  });

  it('gives scripts and styles their types, so the CSP and nosniff accept them', async () => {
    const js = await serveAppRequest(root, {
      method: 'GET',
      url: 'cohabit://app/assets/index-1a2b.js',
    });
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const css = await serveAppRequest(root, {
      method: 'GET',
      url: 'cohabit://app/assets/style.css',
    });
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('never serves a file outside the renderer directory', async () => {
    for (const url of [
      'cohabit://app/../secret.txt',
      'cohabit://app/%2e%2e/secret.txt',
      'cohabit://app/assets/..%2F..%2Fsecret.txt',
      'cohabit://app/assets/%2E%2E%5C..%5Csecret.txt',
      'cohabit://app/assets/escape.js',
      'cohabit://app/index.html%00.js',
      'cohabit://app/%E0%A4%A',
      'cohabit://other/index.html',
    ]) {
      const response = await serveAppRequest(root, { method: 'GET', url });
      expect(response.status, url).toBe(404);
      expect(await response.text(), url).not.toContain('secret');
    }
  });

  it('answers 404 for a missing file or a directory, and 405 for anything but GET and HEAD', async () => {
    expect(
      (await serveAppRequest(root, { method: 'GET', url: 'cohabit://app/nope.js' })).status,
    ).toBe(404);
    expect(
      (await serveAppRequest(root, { method: 'GET', url: 'cohabit://app/assets' })).status,
    ).toBe(404);
    expect((await serveAppRequest(root, { method: 'POST', url: APP_ENTRY_URL })).status).toBe(405);
    const head = await serveAppRequest(root, { method: 'HEAD', url: APP_ENTRY_URL });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
