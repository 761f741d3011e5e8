// Accessibility of every view, in the light and the dark theme chosen in the app: axe-core
// (injected through the DevTools protocol, so the app's CSP stays on) finds no serious or critical
// violation. The theme choice is remembered across a reload.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../electron/serve/server';
import type { RunningServer } from '../../electron/serve/server';
import { fetchInventory, launchChromium, openSeedLayout } from './browser';

const VIEWS = ['machine', 'layout', 'plan', 'apply'] as const;
const HEADINGS = { machine: 'The demo machine', layout: 'Layout', plan: 'Plan', apply: 'Apply' };

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let axeSource: string;

interface AxeNode {
  target: string[];
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: AxeNode[];
}

async function show(view: (typeof VIEWS)[number]): Promise<void> {
  await page.evaluate((v) => (window.location.hash = `#/${v}`), view);
  await page.getByRole('heading', { level: 1, name: HEADINGS[view] }).waitFor();
  if (view === 'plan') await page.getByRole('region', { name: /^Steps/ }).waitFor();
  if (view === 'apply') await page.getByRole('region', { name: 'What will change' }).waitFor();
}

/** Serious and critical findings, one line each: rule, element, what is wrong. */
async function axeFindings(): Promise<string[]> {
  const has = await page.evaluate(() => 'axe' in window);
  if (!has) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: object) => Promise<unknown> } }).axe;
    const result = (await axe.run({
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
      },
      resultTypes: ['violations'],
    })) as { violations: unknown[] };
    return result.violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map(
        (n) => `${v.id} (${v.impact}) ${n.target.join(' ')}: ${n.failureSummary ?? v.help}`,
      ),
    );
}

beforeAll(async () => {
  const require = createRequire(import.meta.url);
  axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  server = await startServer({ demo: true, port: 0 });
  const inventory = await fetchInventory(server);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  page = await context.newPage();
  await page.goto(server.url);
  await page.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
  await show('layout');
  await openSeedLayout(page, inventory);
  await show('plan');
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

describe.each(['light', 'dark'] as const)('in the %s theme', (choice) => {
  it('is chosen in the app and remembered in the next window', async () => {
    // The system says the opposite, so the page can only be in this theme by the app's choice.
    await page.emulateMedia({ colorScheme: choice === 'light' ? 'dark' : 'light' });
    await page.getByLabel('Theme').selectOption(choice);
    const background = () => getComputedStyle(document.body).backgroundColor;
    const expected = choice === 'light' ? 'rgb(246, 247, 249)' : 'rgb(21, 24, 28)';
    await expect(page.evaluate(background)).resolves.toBe(expected);
    const next = await context.newPage();
    await next.emulateMedia({ colorScheme: choice === 'light' ? 'dark' : 'light' });
    await next.goto(server.url);
    await next.getByRole('heading', { level: 1 }).first().waitFor();
    await expect(next.getByLabel('Theme').inputValue()).resolves.toBe(choice);
    await expect(next.evaluate(background)).resolves.toBe(expected);
    await next.close();
  });

  it.each(VIEWS)('the %s view has no serious or critical axe finding', async (view) => {
    await show(view);
    expect(await axeFindings()).toEqual([]);
  });
});

describe('the system theme', () => {
  it('follows the system again once chosen', async () => {
    await page.getByLabel('Theme').selectOption('system');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect
      .poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor))
      .toBe('rgb(21, 24, 28)');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect
      .poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor))
      .toBe('rgb(246, 247, 249)');
  });
});

describe('the states between views', () => {
  it('the passability map, an outdated plan and a restored draft have no finding either', async () => {
    await show('machine');
    await page.getByLabel('Can it go to a VM').check();
    expect(await axeFindings()).toEqual([]);
    await page.getByLabel('Role for the host').check();

    await show('layout');
    await page.getByLabel(/Host runs headless/).check();
    await show('apply');
    await page.getByText('The layout changed since this plan was made.').waitFor();
    expect(await axeFindings()).toEqual([]);

    // Kept as a draft a moment after the change; a reload brings it back with its notice.
    await page.waitForTimeout(800);
    await page.reload();
    await show('layout');
    await page.getByRole('status', { name: 'Restored draft' }).waitFor();
    expect(await axeFindings()).toEqual([]);
  });
});

describe('focus after a removal', () => {
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      if (el === null || el === document.body) return 'body';
      return `${el.tagName.toLowerCase()} ${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 60)}`;
    });

  it('goes to the device that took its place, then to the VM, then to the next card', async () => {
    await show('layout');
    const vm = page.getByRole('article', { name: 'macos', exact: true });
    await vm.getByRole('button', { name: /^Remove 0000:01:00\.0 from macos$/ }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(focused).toMatch(/^li\b.*0000:03:00\.0/);
    await vm.getByRole('button', { name: /^Remove 0000:03:00\.0 from macos$/ }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(focused).toMatch(/^div Devices passed to macos/);

    await page.getByRole('button', { name: 'Remove the system New System' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(focused).toMatch(/^article\b.*zroot\/vm\/macos/);
  });
});
