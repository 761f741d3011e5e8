// The layout being drawn survives a reload and a restart of the backend (as after a crash), says
// so with a way to discard it, never keeps the password hash, and leaving with a change not yet
// kept asks first.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../electron/serve/server';
import type { RunningServer } from '../../electron/serve/server';
import { SAMPLE_PASSWORD_HASH } from '../../shared/planner/examples';
import { SCREENSHOT_DIR, launchChromium } from './browser';

let server: RunningServer;
let browser: Browser;
let page: Page;
const draftsDir = () => join(process.env.XDG_STATE_HOME ?? '', 'cohabit', 'drafts');

async function openLayout(p: Page, url: string): Promise<void> {
  await p.goto(url);
  await p.getByRole('link', { name: 'Layout' }).click();
  await p.getByRole('heading', { level: 1, name: 'Layout' }).waitFor();
}

const card = (p: Page) => p.getByRole('article', { name: 'Scratch', exact: true });
const notice = (p: Page) => p.getByRole('status', { name: 'Restored draft' });

beforeAll(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  server = await startServer({ demo: true, port: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await openLayout(page, server.url);
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

describe('the layout draft', () => {
  it('starts with no notice, then brings an edited system back after a reload', async () => {
    await expect(notice(page).count()).resolves.toBe(0);
    await page.getByRole('button', { name: '+ Add NixOS system' }).click();
    const added = page.getByRole('article', { name: 'New System', exact: true });
    await added.getByLabel('Menu label').fill('Scratch');
    await card(page).getByLabel('User name').fill('alice');
    await card(page).getByLabel('Password hash').fill(SAMPLE_PASSWORD_HASH);
    // Kept a moment after the last change.
    await expect.poll(async () => (await readdir(draftsDir()).catch(() => [])).length).toBe(1);
    const files = await readdir(draftsDir());
    await expect
      .poll(() => readFile(join(draftsDir(), files[0] ?? ''), 'utf8'))
      .toContain('"alice"');
    const text = await readFile(join(draftsDir(), files[0] ?? ''), 'utf8');
    expect(text).not.toContain(SAMPLE_PASSWORD_HASH);

    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Layout' }).waitFor();
    await notice(page).waitFor();
    await expect(notice(page).textContent()).resolves.toMatch(
      /Restored your draft.*enter them again for Scratch/s,
    );
    await expect(card(page).getByLabel('User name').inputValue()).resolves.toBe('alice');
    await expect(card(page).getByLabel('Password hash').inputValue()).resolves.toBe('');
    await page.screenshot({
      path: fileURLToPath(new URL('draft-restored-1280x800.png', SCREENSHOT_DIR)),
    });
  });

  it('is not brought back over the layout when the same machine is read again', async () => {
    await notice(page).getByRole('button', { name: 'Keep it' }).click();
    await card(page).getByLabel('Password hash').fill(SAMPLE_PASSWORD_HASH);
    await page.getByRole('link', { name: 'Machine' }).click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('button', { name: 'Refresh' }).and(page.locator(':enabled')).waitFor();
    await page.getByRole('link', { name: 'Layout' }).click();
    await expect(card(page).getByLabel('Password hash').inputValue()).resolves.toBe(
      SAMPLE_PASSWORD_HASH,
    );
    await expect(notice(page).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Undo' }).isEnabled()).resolves.toBe(true);
  });

  it('comes back after the backend restarts, and is gone once discarded', async () => {
    await server.close();
    server = await startServer({ demo: true, port: 0 });
    await openLayout(page, server.url);
    await notice(page).waitFor();
    await expect(card(page).isVisible()).resolves.toBe(true);

    await notice(page).getByRole('button', { name: 'Discard the draft' }).click();
    await expect(notice(page).count()).resolves.toBe(0);
    await page.getByText('Nothing planned yet.').waitFor();
    await expect.poll(() => readdir(draftsDir())).toEqual([]);
    await page.reload();
    await page.getByText('Nothing planned yet.').waitFor();
    await expect(notice(page).count()).resolves.toBe(0);
  });

  it('asks before leaving with a change not yet kept, and not once it is kept', async () => {
    const asked: string[] = [];
    page.on('dialog', (d) => {
      asked.push(d.type());
      void d.dismiss();
    });
    await page.getByRole('button', { name: '+ Add NixOS system' }).click();
    // Right away, before the draft is kept: the browser asks, and staying keeps the page.
    // (Headless Chromium shows no dialog for page.close; a reload shows it.)
    const stayed = await page.reload({ timeout: 2000 }).then(
      () => false,
      () => true,
    );
    expect(asked).toEqual(['beforeunload']);
    expect(stayed).toBe(true);
    await expect.poll(() => readdir(draftsDir()).then((f) => f.length)).toBe(1);
    await page.waitForTimeout(200);
    await page.reload();
    await notice(page).waitFor();
    expect(asked).toEqual(['beforeunload']);
  });
});
