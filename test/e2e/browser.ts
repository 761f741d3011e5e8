// Launches Debian's chromium through playwright-core (never a downloaded browser), headless and
// quiet: no sandbox (containers), no GPU, no background network.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { Inventory } from '../../shared/model/inventory';
import { seedLayout } from '../../shared/planner/examples';

export const CHROMIUM_PATH = process.env.COHABIT_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export const SCREENSHOT_DIR = new URL('../../test-results/screenshots/', import.meta.url);

// Each e2e file runs in its own process: its backends keep layout drafts in a fresh state
// directory, never the user's, and no file sees another's drafts.
process.env.XDG_STATE_HOME = mkdtempSync(join(tmpdir(), 'cohabit-e2e-state-'));

/** Calls a running server's backend with an empty request, as the app does (bearer token). */
export async function callServer<T>(
  server: { port: number; token: string },
  channel: string,
): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/call/${channel}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  const body = (await res.json()) as { ok: true; value: T } | { ok: false; error: unknown };
  if (!body.ok) throw new Error(`${channel}: ${JSON.stringify(body.error)}`);
  return body.value;
}

export const fetchInventory = (server: { port: number; token: string }): Promise<Inventory> =>
  callServer<Inventory>(server, 'machine:inventory');

/** Opens the seed layout for `inventory` through the Layout view's file input (shown already). */
export async function openSeedLayout(page: Page, inventory: Inventory): Promise<void> {
  await page.getByLabel('Open a layout file').setInputFiles({
    name: 'seed.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(seedLayout(inventory))),
  });
  await page.getByRole('article', { name: 'New System', exact: true }).waitFor();
}
