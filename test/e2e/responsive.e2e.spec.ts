// Every view fits every window from 800 to 3840 px wide: no sideways scrolling, no control drawn
// over another, the sidebar folded into a top bar below 900 px, and the devices of the Layout
// view kept in view beside a long list of cards. Screenshots of each view at each width.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../electron/serve/server';
import type { RunningServer } from '../../electron/serve/server';
import { SCREENSHOT_DIR, fetchInventory, launchChromium, openSeedLayout } from './browser';
import { findOverlaps } from './layout-checks';

const WIDTHS = [800, 1024, 1366, 1440, 3840] as const;
const VIEWS = ['machine', 'layout', 'plan', 'apply'] as const;

let server: RunningServer;
let browser: Browser;
let page: Page;

const shot = (name: string) => fileURLToPath(new URL(`${name}.png`, SCREENSHOT_DIR));

async function show(view: (typeof VIEWS)[number]): Promise<void> {
  await page.evaluate((v) => (window.location.hash = `#/${v}`), view);
  const heading = { machine: 'The demo machine', layout: 'Layout', plan: 'Plan', apply: 'Apply' };
  await page.getByRole('heading', { level: 1, name: heading[view] }).waitFor();
  if (view === 'plan') await page.getByRole('region', { name: /^Steps/ }).waitFor();
  if (view === 'apply') await page.getByRole('region', { name: 'What will change' }).waitFor();
}

beforeAll(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  server = await startServer({ demo: true, port: 0 });
  const inventory = await fetchInventory(server);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(server.url);
  await page.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
  // The seed layout: a system, a volume and a VM with devices, so every view has its full content.
  await show('layout');
  await openSeedLayout(page, inventory);
  await show('plan');
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

describe.each(WIDTHS)('at %i px wide', (width) => {
  it.each(VIEWS)('the %s view neither scrolls sideways nor overlaps itself', async (view) => {
    await page.setViewportSize({ width, height: 900 });
    await show(view);
    await page.evaluate(() => window.scrollTo(0, 0));
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    expect(await page.evaluate(findOverlaps), `${view} at ${width}`).toEqual([]);
    await page.screenshot({ path: shot(`fit-${view}-${width}`) });
  });

  it('folds the sidebar into a top bar below 900 px', async () => {
    await page.setViewportSize({ width, height: 900 });
    const nav = page.getByRole('navigation', { name: 'Views' });
    const box = await nav.boundingBox();
    if (box === null) throw new Error('no navigation');
    if (width < 900) {
      expect(box.width).toBeGreaterThan(width - 40);
      expect(box.height).toBeLessThan(80);
    } else {
      expect(box.width).toBeLessThan(240);
    }
  });
});

describe('the Layout view', () => {
  it('keeps the device list in view while the cards scroll by', async () => {
    await page.setViewportSize({ width: 1366, height: 700 });
    await show('layout');
    const devices = page.getByRole('complementary');
    await page.getByRole('article', { name: 'macos', exact: true }).scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, 400));
    const box = await devices.boundingBox();
    if (box === null) throw new Error('no device list');
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeLessThan(40);
    await expect(
      page.getByRole('region', { name: 'GPUs and USB controllers' }).isVisible(),
    ).resolves.toBe(true);
  });
});
