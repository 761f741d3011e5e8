// "Connect to a remote machine" end to end: browser mode with a backend that may leave the demo
// machine, the form opened the way a user does, and ssh's refusal shown as the backend gave it.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../electron/backend/backend';
import { startServer } from '../../electron/serve/server';
import type { RunningServer } from '../../electron/serve/server';
import { SCREENSHOT_DIR, launchChromium } from './browser';

let server: RunningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

const shot = (name: string) => fileURLToPath(new URL(`${name}.png`, SCREENSHOT_DIR));

beforeAll(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  // Starts on the demo machine (quick and the same everywhere) but, like `npm start`, may show
  // other machines: that is what offers the remote connection.
  server = await startServer({
    port: 0,
    backend: createBackend({ kind: 'demo' }, { allowLocal: true }),
  });
  browser = await launchChromium();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
  });
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(server.url);
  await page.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

describe('Connect to a remote machine (browser mode)', () => {
  it('opens a form that says how ssh is used', async () => {
    await page.getByRole('button', { name: 'Connect to a remote machine…' }).click();
    const form = page.getByRole('form', { name: 'Connect to a remote machine' });
    await form.waitFor();
    await expect(form.getByRole('textbox', { name: 'Address' }).inputValue()).resolves.toBe(
      'ssh://',
    );
    const note = await form.locator('#remote-note').textContent();
    expect(note).toMatch(/~\/\.ssh\/config, agent and\s+known_hosts are used/);
    expect(note).toMatch(/run ssh user@host once in a terminal/);
  });

  it('shows the refusal for a port with no SSH server, and stays on the machine shown', async () => {
    const form = page.getByRole('form', { name: 'Connect to a remote machine' });
    await form.getByRole('textbox', { name: 'Address' }).fill('ssh://root@127.0.0.1:1');
    await form.getByRole('button', { name: 'Connect' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor({ timeout: 20_000 });
    await expect(alert.textContent()).resolves.toContain(
      'ssh://root@127.0.0.1:1: connection refused (no SSH server on that port?)',
    );
    await expect(alert.locator('code').textContent()).resolves.toBe('ssh.refused');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'The demo machine',
    );
    // The user can correct the address and try again.
    await expect(form.getByRole('button', { name: 'Connect' }).isEnabled()).resolves.toBe(true);
    await page.screenshot({ path: shot('remote-connect-refused'), fullPage: false });
  });

  it('names the field when the address is not ssh://', async () => {
    const form = page.getByRole('form', { name: 'Connect to a remote machine' });
    await form.getByRole('textbox', { name: 'Address' }).fill('root@server');
    await form.getByRole('button', { name: 'Connect' }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toMatch(/machine:connect: url: "root@server" is not an ssh:\/\/ address/);
    await expect(form.getByRole('alert').locator('code').textContent()).resolves.toBe(
      'bad-request',
    );
    expect(problems).toEqual([]);
  });
});
