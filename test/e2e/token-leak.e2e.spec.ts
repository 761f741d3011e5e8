// Browser mode's token never reaches another local user (DESIGN.md section 8): not through the
// argv or environment of the browser opener (world-readable in /proc), not through a cookie the
// browser would also send to another port on 127.0.0.1. `cohabit serve` runs as a real process
// with a fake xdg-open first on PATH that records what it was given; a real Chromium then opens
// what xdg-open was handed, and a listener on another loopback port records what reaches it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cohabit-token-leak-'));
const fakeBin = join(dir, 'bin');
const runtimeDir = join(dir, 'runtime');
const record = join(dir, 'xdg-open.record');

let serve: ChildProcess;
let url = '';
let token = '';
let other: Server;
const reachedOther: string[] = [];
let browser: Browser;

async function waitFor<T>(what: string, get: () => T | null, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = get();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(fakeBin, { recursive: true });
  await mkdir(runtimeDir, { recursive: true, mode: 0o700 });
  chmodSync(runtimeDir, 0o700);
  // Records its argv, its environment and its parent's (the serve process) as files of lines.
  const opener = join(fakeBin, 'xdg-open');
  await writeFile(
    opener,
    `#!/bin/sh
{
  echo "== argv"; for a in "$@"; do echo "$a"; done
  echo "== env"; env
  echo "== parent cmdline"; tr '\\0' '\\n' < /proc/$PPID/cmdline
  echo "== parent environ"; tr '\\0' '\\n' < /proc/$PPID/environ
} > "${record}.tmp" && mv "${record}.tmp" "${record}"
`,
  );
  chmodSync(opener, 0o755);

  other = createServer((request, response) => {
    reachedOther.push(`${request.method} ${request.url}\n${JSON.stringify(request.headers)}`);
    response.writeHead(200, { 'Content-Type': 'text/plain' });
    response.end('other');
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));

  serve = spawn(process.execPath, [join(root, 'bin/cohabit.mjs'), 'serve', '--demo'], {
    cwd: root,
    env: {
      ...process.env,
      PATH: `${fakeBin}:${process.env.PATH ?? ''}`,
      XDG_RUNTIME_DIR: runtimeDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  serve.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  serve.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  url = await waitFor(
    'the printed URL',
    () => /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out)?.[0] ?? null,
  );
  token = new URL(url).searchParams.get('token') ?? '';
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (serve?.exitCode === null) serve.kill('SIGKILL');
  await new Promise<void>((resolve) => (other ? other.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the browser-mode token', () => {
  it('is not in the argv or environment of the opener, nor of serve itself', async () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const seen = await waitFor('the fake xdg-open to run', () =>
      existsSync(record) ? readFileSync(record, 'utf8') : null,
    );
    expect(seen).toContain('== argv');
    expect(seen).toContain('== parent environ');
    expect(seen).not.toContain(token);
    // What it was handed instead: a file only this user can read, in a directory only this user
    // can enter, that forwards the browser to the URL.
    const launch = /== argv\n(file:\/\/\S+)\n/.exec(seen)?.[1] ?? '';
    expect(launch).toMatch(/^file:\/\//);
    const path = fileURLToPath(launch);
    expect(path.startsWith(`${runtimeDir}/`)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(readFileSync(path, 'utf8')).toContain(token);
  });

  it('gets the browser to the app from the launch file, and no cookie takes it to another port', async () => {
    const seen = readFileSync(record, 'utf8');
    const launch = /== argv\n(file:\/\/\S+)\n/.exec(seen)?.[1] ?? '';
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(launch);
    await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\//);
    await page.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
    expect(page.url()).not.toContain(token);
    const port = (other.address() as AddressInfo).port;
    // What a listener on another loopback port receives from this browser: a top-level
    // navigation and a credentialed fetch of its own page. Cookies are not port-scoped, so a
    // cookie set by serve would ride along on both (the page's CSP keeps the app itself from
    // talking to another port at all).
    const elsewhere = await context.newPage();
    await elsewhere.goto(`http://127.0.0.1:${port}/navigate`);
    await elsewhere.evaluate(async () => {
      await fetch('/fetch', { credentials: 'include' });
    });
    expect(reachedOther.length).toBeGreaterThanOrEqual(2);
    for (const request of reachedOther) expect(request).not.toContain(token);
    expect((await context.cookies()).map((c) => c.value)).not.toContain(token);
    // A reload still works: the tab keeps the token in its own (port-scoped) sessionStorage.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
    await context.close();
  });

  it('removes the launch file when serve stops', async () => {
    const seen = readFileSync(record, 'utf8');
    const path = fileURLToPath(/== argv\n(file:\/\/\S+)\n/.exec(seen)?.[1] ?? '');
    expect(existsSync(path)).toBe(true);
    const exited = new Promise((resolve) => serve.once('exit', resolve));
    serve.kill('SIGTERM');
    await exited;
    expect(existsSync(path)).toBe(false);
  });
});
