// The Machine view end to end: the built renderer in headless chromium against browser mode on the
// demo machine, checked by role and label the way a user reads it; screenshots of every view.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../shared/model/inventory';
import { startServer } from '../../electron/serve/server';
import type { RunningServer } from '../../electron/serve/server';
import { SCREENSHOT_DIR, fetchInventory, launchChromium } from './browser';
import { DARK, LIGHT, inViewport, pageColours } from './screen-checks';

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let inventory: Inventory;
const problems: string[] = [];

const shot = (name: string) => fileURLToPath(new URL(`${name}.png`, SCREENSHOT_DIR));

/** Console errors and CSP violations fail the run: a blocked style or script is a broken view. */
function watch(p: Page): void {
  p.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  p.on('pageerror', (e) => problems.push(e.message));
}

beforeAll(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  server = await startServer({ demo: true, port: 0 });
  inventory = await fetchInventory(server);
  browser = await launchChromium();
  context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
  });
  page = await context.newPage();
  watch(page);
  await page.goto(server.url);
  await page.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

describe('Machine view on the demo machine (browser mode)', () => {
  it('opens on the machine header and takes the token out of the address bar', async () => {
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'The demo machine',
    );
    expect(page.url()).not.toContain('token=');
    await expect(
      page.getByRole('link', { name: 'Machine' }).getAttribute('aria-current'),
    ).resolves.toBe('page');
    // `serve --demo` cannot show this machine, so it offers no switch.
    await expect(page.getByRole('button', { name: 'Back to this machine' }).count()).resolves.toBe(
      0,
    );
    await expect(page.getByRole('button', { name: 'Refresh' }).isEnabled()).resolves.toBe(true);
  });

  it('answers first: each pool and each GPU and USB controller in one line, above the fold at 1024x700', async () => {
    const p = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    watch(p);
    await p.goto(server.url);
    const answers = p.getByRole('region', { name: 'At a glance' });
    await answers.waitFor();
    const lines = answers.getByRole('listitem');
    await expect(lines.count()).resolves.toBe(
      inventory.zfs.pools.length + inventory.gpus.length + inventory.usb.length,
    );
    await expect(lines.filter({ hasText: 'Pool zroot (root)' }).innerText()).resolves.toMatch(
      /ONLINE[\s\S]*GiB free of/,
    );
    const rtx = lines.filter({ hasText: 'GPU 01:00.0' });
    await expect(rtx.innerText()).resolves.toMatch(/^Can go to a VM[\s\S]*Goes with 01:00\.1/);
    await expect(lines.filter({ hasText: 'GPU 04:00.0' }).innerText()).resolves.toMatch(
      /^Cannot go to a VM[\s\S]*SATA controller/,
    );
    for (const line of await lines.all()) await expect(inViewport(p, line)).resolves.toBe(true);
    await p.screenshot({ path: shot('machine-answers-light-1024x700') });
    await p.close();
  });

  it('colours the IOMMU map by whether a device can go to a VM', async () => {
    const map = page.getByRole('figure', { name: 'IOMMU group map' });
    const rtx = map.getByRole('listitem', { name: /\(01:00\.0\)/ });
    await expect(rtx.getAttribute('aria-label')).resolves.toMatch(/: Other GPU$/);
    await page.getByLabel('Can it go to a VM').check();
    await expect(rtx.getAttribute('aria-label')).resolves.toMatch(/: Can go to a VM$/);
    await expect(
      map.getByRole('listitem', { name: /\(04:00\.0\)/ }).getAttribute('aria-label'),
    ).resolves.toMatch(/: Cannot go to a VM$/);
    await page.getByRole('region', { name: 'IOMMU groups' }).screenshot({
      path: shot('section-iommu-by-passability-light'),
    });
    await page.getByLabel('Role for the host').check();
    await expect(rtx.getAttribute('aria-label')).resolves.toMatch(/: Other GPU$/);
  });

  it('shows the zroot pool with its usage', async () => {
    const pool = page.getByRole('article', { name: 'Pool zroot' });
    const meter = pool.getByRole('meter', { name: 'zroot usage' });
    const zroot = inventory.zfs.pools.find((p) => p.name === 'zroot');
    expect(zroot).toBeDefined();
    const expected = Math.round(((zroot?.allocatedBytes ?? 0) / (zroot?.sizeBytes ?? 1)) * 100);
    await expect(meter.getAttribute('aria-valuenow')).resolves.toBe(String(expected));
    await expect(pool.textContent()).resolves.toMatch(/GiB used of .*(GiB|TiB)/);
    await expect(pool.getByText('root pool').count()).resolves.toBe(1);
    await expect(pool.getByRole('list', { name: 'Vdevs of zroot' }).isVisible()).resolves.toBe(
      true,
    );
  });

  it('shows the NVIDIA GPU with its four functions, not driving the display', async () => {
    const gpu = page.getByRole('article', { name: /GPU NVIDIA/ });
    await expect(
      gpu
        .getByRole('list', { name: /Functions of/ })
        .getByRole('listitem')
        .count(),
    ).resolves.toBe(4);
    await expect(gpu.getByText('4 functions').isVisible()).resolves.toBe(true);
    await expect(gpu.getByText('Not driving the display').isVisible()).resolves.toBe(true);
  });

  it('gives each GPU the passthrough verdict with its reason', async () => {
    const nvidia = page.getByRole('article', { name: /GPU NVIDIA/ });
    await expect(nvidia.getByText('Can go to a VM', { exact: true }).isVisible()).resolves.toBe(
      true,
    );
    const radeon = page.getByRole('article', { name: /GPU Advanced Micro Devices/ });
    await expect(radeon.getByText('Cannot go to a VM').isVisible()).resolves.toBe(true);
    await expect(
      radeon.getByText(/SATA controller .* the host would lose its own disks/).isVisible(),
    ).resolves.toBe(true);
    const igpu = page.getByRole('article', { name: /GPU Intel/ });
    await expect(igpu.getByText(/drives the host display \(boot_vga\)/).isVisible()).resolves.toBe(
      true,
    );
  });

  it('marks the Intel iGPU as driving the display', async () => {
    const igpu = page.getByRole('article', { name: /GPU Intel/ });
    await expect(igpu.getByText('Drives the display', { exact: true }).isVisible()).resolves.toBe(
      true,
    );
  });

  it('shows the USB controller with the keyboard marked, and one without', async () => {
    const withKeyboard = inventory.usb.find((c) => c.hasKeyboard);
    expect(withKeyboard).toBeDefined();
    const controller = page.getByRole('article', {
      name: new RegExp(
        `USB controller .*\\(${(withKeyboard?.address ?? '').replace(/^0000:/, '')}\\)`,
      ),
    });
    await expect(
      controller.getByText('Keyboard in use: stays with the host').isVisible(),
    ).resolves.toBe(true);
    await expect(
      controller.getByText('keyboard', { exact: true }).count(),
    ).resolves.toBeGreaterThan(0);
    const spare = inventory.usb.filter((c) => !c.hasKeyboard).length;
    await expect(page.getByText('Keyboard in use: stays with the host').count()).resolves.toBe(
      inventory.usb.length - spare,
    );
  });

  it('draws the IOMMU groups as boxes coloured by role, with a legend and the mixed group called out', async () => {
    const map = page.getByRole('figure', { name: 'IOMMU group map' });
    await expect(map.getByRole('region').count()).resolves.toBe(inventory.iommu.groups.length);
    const legend = page.getByRole('list', { name: 'Legend' });
    for (const label of ['Display GPU', 'Other GPU', 'Host-critical', 'Bridge'])
      await expect(legend.getByText(label).isVisible()).resolves.toBe(true);

    const nvidia = inventory.gpus.find((g) => g.vendorId === '10de');
    const nvidiaGroup = inventory.pci.find((d) => d.address === nvidia?.address)?.iommuGroup;
    const box = map.getByRole('region', { name: `IOMMU group ${nvidiaGroup}` });
    await expect(box.locator('.role-gpu').count()).resolves.toBe(4);
    await expect(box.getByText('alone in its group').isVisible()).resolves.toBe(true);

    const igpuBox = map.getByRole('listitem', { name: /UHD Graphics 630.*Display GPU/ });
    await expect(igpuBox.count()).resolves.toBe(1);

    // The demo's mixed group: a GPU slot sharing its group with the SATA controller.
    const mixed = map.locator('section.mixed');
    await expect(mixed.count()).resolves.toBe(1);
    await expect(
      mixed.getByText(/^Mixed: the GPU shares this group with .*SATA/).isVisible(),
    ).resolves.toBe(true);
    await expect(mixed.getByRole('listitem', { name: /SATA/ }).count()).resolves.toBe(1);
  });

  it('lists the datasets with snapshots folded under a count', async () => {
    const table = page.getByRole('region', { name: 'Datasets and volumes' }).getByRole('table');
    const live = inventory.zfs.datasets.filter(
      (d) => d.type === 'filesystem' || d.type === 'volume',
    );
    await expect(table.getByRole('row').count()).resolves.toBe(live.length + 1);
    const rootSnaps = inventory.zfs.datasets.filter((d) => d.name.startsWith('zroot/root@')).length;
    expect(rootSnaps).toBeGreaterThan(0);
    const row = table.getByRole('row', { name: /^root\b/ });
    const summary = row.getByText(`${rootSnaps} snapshots`);
    await expect(summary.isVisible()).resolves.toBe(true);
    await expect(row.getByText(/^@/).first().isVisible()).resolves.toBe(false);
    await summary.click();
    await expect(row.getByText(/^@/).first().isVisible()).resolves.toBe(true);
    await summary.click();
  });

  it('shows the disks with their controllers and LUKS containers', async () => {
    const disks = page.getByRole('region', { name: 'Disks' });
    await expect(disks.getByRole('article').count()).resolves.toBe(inventory.disks.length);
    await expect(
      disks
        .getByText(/LUKS, open as/)
        .first()
        .isVisible(),
    ).resolves.toBe(true);
  });

  it('shows the firmware, bootloader, kernel command line and the IOMMU state with its reasons', async () => {
    const system = page.getByRole('region', { name: 'System' });
    await expect(system.getByText(/UEFI · bootloader GRUB/).isVisible()).resolves.toBe(true);
    await expect(system.getByText(inventory.boot.kernelCmdline).isVisible()).resolves.toBe(true);
    const reason = inventory.iommu.reasons[0];
    expect(reason).toBeDefined();
    await expect(system.getByText(reason ?? '').isVisible()).resolves.toBe(true);
  });

  it('shows every diagnostic the backend reported, with its fix', async () => {
    const section = page.getByRole('region', { name: 'Diagnostics' });
    await expect(section.getByRole('listitem').count()).resolves.toBe(inventory.diagnostics.length);
    for (const d of inventory.diagnostics) {
      await expect(section.getByText(d.message, { exact: true }).isVisible()).resolves.toBe(true);
      if (d.fix !== undefined)
        await expect(section.getByText(d.fix).first().isVisible()).resolves.toBe(true);
    }
    if (inventory.diagnostics.length === 0)
      await expect(section.getByText(/Nothing to report/).isVisible()).resolves.toBe(true);
  });

  it('refreshes without moving the page', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    const boxes = () =>
      Promise.all(
        ['ZFS pools', 'IOMMU groups', 'Diagnostics'].map((name) =>
          page.getByRole('region', { name }).boundingBox(),
        ),
      );
    const before = await boxes();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page
      .getByRole('button', { name: 'Reading…' })
      .or(page.getByRole('button', { name: 'Refresh' }))
      .waitFor();
    await page.getByRole('button', { name: 'Refresh' }).waitFor();
    expect(await boxes()).toEqual(before);
  });

  it('moves through the navigation with the keyboard and shows where the focus is', async () => {
    await page.reload();
    await page.getByRole('region', { name: 'ZFS pools' }).waitFor();
    const focused = async () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        return {
          text: el.textContent,
          outline: getComputedStyle(el).outlineStyle,
          width: getComputedStyle(el).outlineWidth,
        };
      });
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toMatchObject({ text: 'Skip to the content' });
    await page.keyboard.press('Tab');
    const machine = await focused();
    expect(machine.text).toBe('Machine');
    expect(machine.outline).not.toBe('none');
    expect(machine.width).not.toBe('0px');
    await page.screenshot({ path: shot('machine-keyboard-focus-light-1280x800') });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Layout' }).waitFor();
    await page.getByRole('link', { name: 'Machine' }).click();
    await page.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
  });

  it('moves between the views from the navigation and back', async () => {
    for (const view of ['Layout', 'Plan', 'Apply']) {
      await page.getByRole('link', { name: view }).click();
      await page.getByRole('heading', { level: 1, name: view }).waitFor();
    }
    await page.getByRole('link', { name: 'Machine' }).click();
    await page.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
  });

  it('shows a backend error with its message and code', async () => {
    const p = await context.newPage();
    await p.route('**/api/call/machine:inventory', (route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({
          ok: false,
          error: { code: 'host.NOT_RECORDED', message: 'The snapshot holds no /proc/cpuinfo.' },
        }),
      }),
    );
    await p.goto(server.url);
    const alert = p.getByRole('alert');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain('The snapshot holds no /proc/cpuinfo.');
    await expect(alert.textContent()).resolves.toContain('host.NOT_RECORDED');
    await p.screenshot({ path: shot('machine-error-light-1280x800') });
    await p.close();
  });

  it('holds the space of the sections while the inventory loads', async () => {
    const p = await context.newPage();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await p.route('**/api/call/machine:inventory', async (route) => {
      await gate;
      await route.continue();
    });
    await p.goto(server.url);
    await p.locator('.skeleton').waitFor();
    const headerBefore = await p.getByRole('heading', { level: 1 }).boundingBox();
    await p.screenshot({ path: shot('machine-loading-light-1280x800') });
    release();
    await p.getByRole('region', { name: 'ZFS pools' }).waitFor();
    const headerAfter = await p.getByRole('heading', { level: 1 }).boundingBox();
    expect(headerAfter?.y).toBe(headerBefore?.y);
    await p.close();
  });

  it('takes the light screenshots of the Machine view, showing what they must', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    // The first screen names the machine and starts with its pool.
    for (const shown of [
      page.getByRole('heading', { level: 1, name: 'The demo machine' }),
      page.getByRole('navigation', { name: 'Views' }),
      page.getByRole('region', { name: 'ZFS pools' }),
    ])
      await expect(inViewport(page, shown)).resolves.toBe(true);
    await expect(pageColours(page)).resolves.toEqual(LIGHT);
    await page.screenshot({ path: shot('machine-light-1280x800') });
    // The sidebar is sticky: a full-page capture taken while scrolled would draw it mid-page.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot('machine-light-full'), fullPage: true });
    for (const name of [
      'IOMMU groups',
      'GPUs',
      'USB controllers',
      'Datasets and volumes',
      'Disks',
      'System',
    ]) {
      const section = page.getByRole('region', { name });
      // Each section has its heading and content, not an empty frame or an error.
      await expect(
        section.getByRole('heading', { name, exact: true }).first().isVisible(),
      ).resolves.toBe(true);
      await expect(section.getByRole('alert').count()).resolves.toBe(0);
      await expect(section.innerText()).resolves.toMatch(/\w[\s\S]{40,}/);
      await section.screenshot({
        path: shot(`section-${name.toLowerCase().replace(/ /g, '-')}-light`),
      });
    }
  });

  it('follows a dark OS theme', async () => {
    const lightBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(darkBg).not.toBe(lightBg);
    await expect(pageColours(page)).resolves.toEqual(DARK);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot('machine-dark-1280x800') });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot('machine-dark-full'), fullPage: true });
    for (const view of ['Layout', 'Plan', 'Apply']) {
      await page.getByRole('link', { name: view }).click();
      await page.getByRole('heading', { level: 1, name: view }).waitFor();
      await page.screenshot({ path: shot(`${view.toLowerCase()}-dark-1280x800`) });
    }
    await page.getByRole('link', { name: 'Machine' }).click();
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('stays readable on a 4K screen', async () => {
    const p = await browser.newPage({
      viewport: { width: 1920, height: 1080 },
      deviceScaleFactor: 2,
    });
    watch(p);
    await p.goto(server.url);
    await p.getByRole('region', { name: 'IOMMU groups' }).waitFor();
    const fontSize = await p.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(13);
    await p.screenshot({ path: shot('machine-light-3840x2160') });
    await p.close();
  });

  it('switches between the demo machines, and back to the default one', async () => {
    const pick = page.getByLabel('Demo machine');
    await expect(pick.inputValue()).resolves.toBe('workstation');
    await pick.selectOption('twin-gpu');
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('The demo machine “twin-gpu”');
    await expect.poll(() => page.getByRole('article', { name: /GPU NVIDIA/ }).count()).toBe(2);
    await pick.selectOption('workstation');
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('The demo machine');
  });

  it('met no console error and no Content-Security-Policy violation', () => {
    expect(problems).toEqual([]);
  });
});
