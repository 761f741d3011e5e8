// The Layout editor end to end: the built renderer in headless chromium against browser mode on
// the demo machine. Builds the seed layout by hand (one device by drag, one by keyboard), is
// refused the RX 560 of the mixed group 8, undoes and redoes, saves, re-opens, rejects a bad file.
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../shared/model/inventory';
import { LayoutSchema } from '../../shared/model/layout';
import type { Layout } from '../../shared/model/layout';
import { SAMPLE_PASSWORD_HASH, seedLayout } from '../../shared/planner/examples';
import { validate } from '../../shared/planner/validate';
import { startServer } from '../../electron/serve/server';
import type { RunningServer } from '../../electron/serve/server';
import { SCREENSHOT_DIR, fetchInventory, launchChromium } from './browser';
import { DARK, LIGHT, inViewport, pageColours } from './screen-checks';

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let inventory: Inventory;
let saved: string;
const problems: string[] = [];

const shot = (name: string) => fileURLToPath(new URL(`${name}.png`, SCREENSHOT_DIR));
const NVIDIA = '0000:01:00.0';
const ASMEDIA = '0000:03:00.0';
const RX560 = '0000:04:00.0';

const systemCard = (): Locator => page.getByRole('article', { name: 'New System', exact: true });
const vmCard = (): Locator => page.getByRole('article', { name: 'macos', exact: true });
const vmDevices = (): Locator => page.getByRole('group', { name: 'Devices passed to macos' });
const deviceCard = (name: RegExp): Locator => page.getByRole('listitem', { name });

/**
 * A real HTML5 drag: press on the card, move a little so the drag starts where the user pressed,
 * then bring the VM's device area into view and release over it. (Locator.dragTo scrolls to the
 * target before the drag starts, which picks up whatever card then lies under the pointer.)
 */
async function drag(source: Locator, target: Locator): Promise<void> {
  await source.scrollIntoViewIfNeeded();
  const from = await source.boundingBox();
  if (from === null) throw new Error('the device card is not visible');
  await page.mouse.move(from.x + from.width / 2, from.y + 12);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 12, from.y + 24, { steps: 4 });
  await target.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  const to = await target.boundingBox();
  if (to === null) throw new Error('the VM is not visible');
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
  await page.mouse.up();
}

async function saveLayout(): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Save layout.json' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('layout.json');
  const path = await download.path();
  return readFile(path, 'utf8');
}

async function openFile(name: string, text: string): Promise<void> {
  await page.getByLabel('Open a layout file').setInputFiles({
    name,
    mimeType: 'application/json',
    buffer: Buffer.from(text),
  });
}

beforeAll(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  server = await startServer({ demo: true, port: 0 });
  inventory = await fetchInventory(server);
  browser = await launchChromium();
  context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    acceptDownloads: true,
  });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(server.url);
  await page.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
  await page.getByRole('link', { name: 'Layout' }).click();
  await page.getByRole('heading', { level: 1, name: 'Layout' }).waitFor();
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

describe('Layout editor on the demo machine (browser mode)', () => {
  it('opens on an empty layout for zroot with the pool bar and the devices', async () => {
    await expect(page.getByText('Nothing planned yet.').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('meter', { name: 'Pool zroot' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Undo' }).isDisabled()).resolves.toBe(true);
    await expect(deviceCard(/RTX 2080/).isVisible()).resolves.toBe(true);
    await expect(
      deviceCard(/RX 560/)
        .getByText('Cannot go to a VM')
        .isVisible(),
    ).resolves.toBe(true);
    await page.screenshot({ path: shot('layout-empty-light-1280x800') });
  });

  it('adds a NixOS system and asks for its user, marking the fields until they are right', async () => {
    const before = await page
      .getByRole('meter', { name: 'Pool zroot' })
      .getAttribute('aria-valuetext');
    await page.getByRole('button', { name: '+ Add NixOS system' }).click();
    const card = systemCard();
    await expect(card.getByLabel('Dataset').inputValue()).resolves.toBe('zroot/new-system');
    await expect(card.getByLabel('Menu label').inputValue()).resolves.toBe('New System');
    // The new system takes room on the pool bar as an estimate.
    await expect(page.getByText(/about 8\.\d\d GiB, grows with use/).isVisible()).resolves.toBe(
      true,
    );
    await expect(
      page.getByRole('meter', { name: 'Pool zroot' }).getAttribute('aria-valuetext'),
    ).resolves.not.toBe(before);
    const hash = card.getByLabel('Password hash');
    const user = card.getByLabel('User name');
    // Nothing is red before the user had a chance: the empty fields wait until touched.
    await expect(hash.getAttribute('aria-invalid')).resolves.toBe('false');
    await expect(user.getAttribute('aria-invalid')).resolves.toBe('false');
    await expect(card.locator('.problem.error').count()).resolves.toBe(0);
    await expect(card.getByText('mkpasswd -m yescrypt').isVisible()).resolves.toBe(true);
    // Left empty: now it says so, naming the field as it reads on screen.
    await user.focus();
    await user.blur();
    await expect(user.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(
      card.getByText(/^User name of the system New System: a user name is/).isVisible(),
    ).resolves.toBe(true);
    // A typed password is not a hash: refused on the spot.
    await hash.fill('hunter2');
    await expect(
      card.getByText(/a password hash is a crypt\(3\) string/).isVisible(),
    ).resolves.toBe(true);
    await hash.fill(SAMPLE_PASSWORD_HASH);
    await card.getByLabel('User name').fill('alice');
    await expect(hash.getAttribute('aria-invalid')).resolves.toBe('false');
    await expect(card.getByLabel('User name').getAttribute('aria-invalid')).resolves.toBe('false');
    // The new-hostId choice explains forceImportRoot, and reuse is the default.
    await card.getByLabel('hostId', { exact: true }).selectOption('new');
    await expect(card.getByText(/boot\.zfs\.forceImportRoot = true/).isVisible()).resolves.toBe(
      true,
    );
    await card.getByLabel('hostId', { exact: true }).selectOption('reuse');
    // What the plan will make for it besides its dataset: the fake ESP and the GRUB entry.
    const adds = card.getByRole('definition');
    await expect(adds.nth(0).innerText()).resolves.toMatch(
      /^zroot\/new-system\/fake-efi: a 50 MiB FAT/,
    );
    await expect(adds.nth(1).innerText()).resolves.toBe(
      "menuentry 'New System' --id 'cohabit-new-system' in the main system's menu, loading /new-system/@/boot/grub/grub.cfg",
    );
  });

  it('adds the macOS volume and VM', async () => {
    await page.getByRole('button', { name: '+ Add VM volume' }).click();
    const volume = page.getByRole('article', { name: 'zroot/vm/vm-disk' });
    await volume.getByLabel('Dataset').fill('zroot/vm/macos');
    const card = page.getByRole('article', { name: 'zroot/vm/macos' });
    await card.getByLabel('Snapshots').selectOption('sanoid');
    await expect(card.getByLabel('Size (GiB)').inputValue()).resolves.toBe('128');
    await page.getByRole('button', { name: '+ Add VM', exact: true }).click();
    const vm = page.getByRole('article', { name: 'vm', exact: true });
    await vm.getByLabel('Name').fill('macos');
    await vmCard().getByLabel('Kind').selectOption('macos');
    await vmCard().getByLabel('vCPUs').fill('8');
    await vmCard().getByLabel('Memory (MiB)').fill('16384');
    await expect(vmCard().getByLabel('Disk').inputValue()).resolves.toBe('vm-disk');
    // macOS needs the user's OpenCore image: a warning on that field.
    await expect(
      vmCard()
        .getByText(/has no OpenCore image/)
        .first()
        .isVisible(),
    ).resolves.toBe(true);
  });

  it('gives the NVIDIA GPU to the VM by drag and drop, with its functions going along', async () => {
    await drag(deviceCard(/RTX 2080/), vmDevices());
    await expect(vmDevices().getByText(NVIDIA).isVisible()).resolves.toBe(true);
    await expect(
      vmDevices()
        .getByText(/Goes along.*0000:01:00\.1.*0000:01:00\.2.*0000:01:00\.3/)
        .isVisible(),
    ).resolves.toBe(true);
    await expect(
      deviceCard(/RTX 2080/)
        .getByText('Given to macos')
        .isVisible(),
    ).resolves.toBe(true);
  });

  it('gives the spare USB controller by keyboard through "Assign to…"', async () => {
    const button = page.getByRole('button', { name: `Assign to… (${ASMEDIA})` });
    await button.focus();
    await page.keyboard.press('Enter');
    const item = page.getByRole('menuitem', { name: 'macos' });
    await item.waitFor();
    await expect(item.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await page.keyboard.press('Enter');
    await expect(vmDevices().getByText(ASMEDIA).isVisible()).resolves.toBe(true);
    await expect(button.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
  });

  it('refuses the RX 560 of the mixed group 8 next to the VM, saying why', async () => {
    await drag(deviceCard(/RX 560/), vmDevices());
    const alert = vmCard().getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain(`${RX560} cannot go to macos`);
    expect(text).toMatch(/group 8 also holds the SATA controller 0000:00:17\.0 .*\/srv\/data/);
    expect(text).toMatch(/What to do:.*another slot/);
    await expect(
      vmDevices().getByRole('listitem').filter({ hasText: RX560 }).count(),
    ).resolves.toBe(0);
    await page.screenshot({ path: shot('layout-refused-light-1280x800') });
    await alert.getByRole('button', { name: 'Dismiss' }).click();
  });

  it('shows the vfio entry and the new system in the boot menu preview between NixOS - Default and the generations', async () => {
    const entries = page.getByRole('list', { name: 'GRUB menu entries' }).getByRole('listitem');
    await expect(entries.allTextContents()).resolves.toEqual([
      '*NixOS - Default',
      ' NixOS - (vfio) with the VFIO binding',
      ' New System',
      ' NixOS - All configurations>',
    ]);
    // Binding in the default entry leaves no entry of its own; unticking brings it back.
    const inDefault = page.getByLabel('Bind passed devices in the default boot entry', {
      exact: false,
    });
    await inDefault.check();
    await expect(entries.allTextContents()).resolves.toEqual([
      '*NixOS - Default',
      ' New System',
      ' NixOS - All configurations>',
    ]);
    await inDefault.uncheck();
    await expect(entries.count()).resolves.toBe(4);
  });

  it('undoes and redoes an edit with the keys and the buttons', async () => {
    const label = systemCard().getByLabel('Menu label');
    await label.fill('Scratch');
    const card = page.getByRole('article', { name: 'Scratch' });
    await expect(
      page.getByRole('list', { name: 'GRUB menu entries' }).getByText('Scratch').count(),
    ).resolves.toBe(1);
    await page.keyboard.press('Control+z');
    await expect(systemCard().getByLabel('Menu label').inputValue()).resolves.toBe('New System');
    await page.keyboard.press('Control+Shift+z');
    await expect(card.getByLabel('Menu label').inputValue()).resolves.toBe('Scratch');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(systemCard().getByLabel('Menu label').inputValue()).resolves.toBe('New System');
    await expect(page.getByRole('button', { name: 'Redo' }).isEnabled()).resolves.toBe(true);
  });

  it('saves layout.json: the seed layout, valid for the planner', async () => {
    saved = await saveLayout();
    const layout: Layout = v.parse(LayoutSchema, JSON.parse(saved));
    const seed = seedLayout(inventory);
    // The editor names the volume and VM by what was added (vm-disk, vm); the seed by purpose.
    expect(layout).toEqual({
      ...seed,
      volumes: seed.volumes.map((x) => ({ ...x, id: 'vm-disk' })),
      vms: seed.vms.map((x) => ({ ...x, id: 'vm', volume: 'vm-disk' })),
    });
    expect(validate(inventory, layout).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('re-opens the saved layout over later edits, and undo brings them back', async () => {
    await page.getByRole('button', { name: '+ Add NixOS system' }).click();
    await expect(page.getByRole('article', { name: 'New System 2' }).isVisible()).resolves.toBe(
      true,
    );
    await openFile('layout.json', saved);
    // Reading the file is asynchronous: wait for the layout it holds.
    await page.getByRole('article', { name: 'New System 2' }).waitFor({ state: 'detached' });
    await expect(systemCard().isVisible()).resolves.toBe(true);
    await expect(vmDevices().getByText(NVIDIA).isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(page.getByRole('article', { name: 'New System 2' }).isVisible()).resolves.toBe(
      true,
    );
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect(page.getByRole('article', { name: 'New System 2' }).count()).resolves.toBe(0);
  });

  it('says what is wrong with a bad file and keeps the layout', async () => {
    await openFile('notes.json', 'these are my notes, not JSON');
    const alert = page.getByRole('alert').filter({ hasText: 'notes.json was not opened' });
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toMatch(
      /This file is not JSON .* Your layout is unchanged\./,
    );
    await expect(systemCard().isVisible()).resolves.toBe(true);
    await expect(vmDevices().getByText(ASMEDIA).isVisible()).resolves.toBe(true);

    await openFile('tank.json', saved.replace('"pool": "zroot"', '"pool": "tank"'));
    await page
      .getByText(
        "tank.json was not opened: This layout is for the pool tank, but this machine's layout is for zroot.",
      )
      .waitFor();
    await openFile('v2.json', saved.replace('cohabit-layout/1', 'cohabit-layout/2'));
    await page
      .getByText(
        /v2\.json was not opened: .*format cohabit-layout\/2; this version of Cohabit reads cohabit-layout\/1/,
      )
      .waitFor();
    await page.screenshot({ path: shot('layout-bad-file-light-1280x800') });
    await page.getByRole('button', { name: 'Dismiss' }).click();
    expect(await saveLayout()).toBe(saved);
  });

  it('keeps the layout across a visit to another view', async () => {
    await page.getByRole('link', { name: 'Machine' }).click();
    await page.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
    await page.getByRole('link', { name: 'Layout' }).click();
    await systemCard().waitFor();
    await expect(vmDevices().getByText(NVIDIA).isVisible()).resolves.toBe(true);
  });

  it('takes the light and dark screenshots of the built layout, showing what they must', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    // The first screen: the view, the pool bar, the toolbar, the system and the device list.
    for (const shown of [
      page.getByRole('heading', { level: 1, name: 'Layout' }),
      page.getByRole('meter', { name: 'Pool zroot' }),
      page.getByRole('button', { name: 'Save layout.json' }),
      systemCard().getByRole('heading', { name: 'New System' }),
      page.getByRole('heading', { level: 2, name: 'GPUs and USB controllers' }),
    ])
      await expect(inViewport(page, shown)).resolves.toBe(true);
    // The whole page: the three items, the devices given to the VM, the boot menu, no error.
    await expect(page.getByRole('article').count()).resolves.toBeGreaterThanOrEqual(3);
    await expect(vmDevices().getByText(NVIDIA).isVisible()).resolves.toBe(true);
    await expect(vmDevices().getByText(ASMEDIA).isVisible()).resolves.toBe(true);
    await expect(
      page.getByRole('list', { name: 'GRUB menu entries' }).getByText('New System').count(),
    ).resolves.toBeGreaterThan(0);
    await expect(
      page
        .getByRole('heading', { name: /^Checks/ })
        .getByRole('status')
        .textContent(),
    ).resolves.toMatch(/^(nothing to fix|0 errors, \d+ warnings?)$/);
    await expect(pageColours(page)).resolves.toEqual(LIGHT);
    await page.screenshot({ path: shot('layout-light-1280x800') });
    await page.screenshot({ path: shot('layout-light-full'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(pageColours(page)).resolves.toEqual(DARK);
    await page.screenshot({ path: shot('layout-dark-1280x800') });
    await page.screenshot({ path: shot('layout-dark-full'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('logged no console errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
