// "Connect to a remote machine" end to end: browser mode with a backend that may leave the demo
// machine, the form opened the way a user does, ssh's refusals shown as the backend gave them, and
// a real login to an sshd on 127.0.0.1 whose machine (this one) the page must then show.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../electron/backend/backend';
import type { Backend } from '../../electron/backend/backend';
import { formatSshUrl } from '../../electron/host/ssh-host';
import type { SshHostOptions } from '../../electron/host/ssh-host';
import { LocalHost } from '../../electron/host/local-host';
import { readInventory } from '../../electron/inventory/read-inventory';
import { startServer } from '../../electron/serve/server';
import type { RunningServer } from '../../electron/serve/server';
import type { Inventory } from '../../shared/model/inventory';
import { clientOptions, sshdPrerequisites, startSshd } from '../lab/local-sshd';
import type { Sshd } from '../lab/local-sshd';
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

describe('A machine other than this one, named and described (browser mode)', () => {
  /** Its own server over `backend` (closed with it), and a page that waits for the heading. */
  async function openOn(backend: Backend, heading: string) {
    const own = await startServer({ port: 0, backend });
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    const p = await context.newPage();
    p.on('pageerror', (e) => problems.push(e.message));
    await p.goto(own.url);
    await p.getByRole('heading', { level: 1, name: heading }).waitFor();
    return {
      p,
      close: async () => {
        await context.close();
        await own.close();
      },
    };
  }

  it.each([
    // Never reached (.invalid does not resolve): the sidebar names the machine before any login.
    [
      { user: 'administrator', host: 'build-server-01.lab.invalid', port: 2222 },
      ['administrator', '@build-server-01', '.lab', '.invalid', ':2222'],
    ],
    // Shaped like the address the real-sshd test below shows; the name comes before any login.
    [{ user: 'root', host: '127.0.0.1', port: 38937 }, ['root', '@127', ':38937']],
  ])(
    'wraps %j in the sidebar between the parts of its address, never inside one',
    async (target, parts) => {
      const url = formatSshUrl(target);
      const { p, close } = await openOn(
        createBackend({ kind: 'ssh', target }, { allowLocal: false }),
        url,
      );
      try {
        const nav = p.getByRole('navigation', { name: 'Views' });
        const footer = nav.locator('.machine');
        await expect(footer.textContent().then((t) => t?.trim())).resolves.toBe(url);
        await expect(footer.getAttribute('title')).resolves.toBe(url);
        // How many lines each part of the address is drawn on: 1 each when no part is cut.
        const lines = await footer.evaluate((el, wanted) => {
          const text = el.textContent ?? '';
          const nodes: { node: Text; start: number }[] = [];
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          for (let at = 0, n = walker.nextNode(); n !== null; n = walker.nextNode()) {
            nodes.push({ node: n as Text, start: at });
            at += (n as Text).data.length;
          }
          const place = (offset: number) => {
            const hit = nodes.findLast((x) => x.start <= offset);
            return hit === undefined ? null : { node: hit.node, offset: offset - hit.start };
          };
          return wanted.map((part) => {
            const from = place(text.indexOf(part));
            const to = place(text.indexOf(part) + part.length - 1);
            if (text.indexOf(part) < 0 || from === null || to === null) return [part, 0] as const;
            const range = document.createRange();
            range.setStart(from.node, from.offset);
            range.setEnd(to.node, to.offset + 1);
            const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            return [part, tops.size] as const;
          });
        }, parts);
        expect(Object.fromEntries(lines)).toEqual(Object.fromEntries(parts.map((x) => [x, 1])));
        // Nothing spills out of the sidebar into the page.
        const box = await footer.boundingBox();
        const side = await nav.boundingBox();
        expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(
          (side?.x ?? 0) + (side?.width ?? 0),
        );
        await nav.screenshot({ path: shot(`remote-sidebar-${target.host}`) });
      } finally {
        await close();
      }
    },
  );

  it('says "the machine shown" when it has no ZFS and no IOMMU, next to the way back to this one', async () => {
    // A real recording of a machine with no IOMMU and no ZFS (test/fixtures/hosts/SOURCES.md),
    // shown by a backend that may go back to this machine, as after connecting to a remote one.
    const path = fileURLToPath(
      new URL('../fixtures/hosts/firecracker-ci-vm.snapshot.json', import.meta.url),
    );
    const { p, close } = await openOn(
      createBackend({ kind: 'snapshot', path }, { allowLocal: true }),
      `snapshot ${path}`,
    );
    try {
      await p.getByRole('button', { name: 'Back to this machine' }).waitFor();
      const pools = p.getByRole('region', { name: 'ZFS pools' });
      await expect(pools.locator('strong').first().textContent()).resolves.toBe(
        'ZFS is not available on the machine shown.',
      );
      await expect(pools.getByText('this machine').count()).resolves.toBe(0);
      const disks = p.getByRole('region', { name: 'Disks' });
      const vda = disks.locator('article').filter({ has: p.locator('h3', { hasText: 'vda' }) });
      const controller = (await vda.textContent()) ?? '';
      expect(controller.replace(/\s+/g, ' ')).toContain(
        'controller: Virtio 1.0 block device (0000:00:02.0, no IOMMU group)',
      );
      await expect(disks.getByText(/group \?/).count()).resolves.toBe(0);
      await p.screenshot({ path: shot('remote-machine-no-zfs-no-iommu'), fullPage: false });
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});

const missing = sshdPrerequisites('connecting to a real SSH server');

describe.skipIf(missing.length > 0)('Connect to a real SSH server (browser mode)', () => {
  let sshd: Sshd;
  let url: string;
  // What this machine (the one behind the sshd) says about itself, read here without SSH.
  let truth: Inventory;
  const opened: { server: RunningServer; context: BrowserContext }[] = [];

  /** Its own backend (reaching SSH servers with exactly these options), server and page. */
  async function openApp(ssh: SshHostOptions): Promise<Page> {
    const backend = createBackend({ kind: 'demo' }, { allowLocal: true, ssh });
    const server = await startServer({ port: 0, backend });
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    opened.push({ server, context });
    const p = await context.newPage();
    p.on('pageerror', (e) => problems.push(e.message));
    await p.goto(server.url);
    await p.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
    return p;
  }

  async function connect(p: Page, address: string): Promise<void> {
    await p.getByRole('button', { name: 'Connect to a remote machine…' }).click();
    const form = p.getByRole('form', { name: 'Connect to a remote machine' });
    await form.getByRole('textbox', { name: 'Address' }).fill(address);
    await form.getByRole('button', { name: 'Connect' }).click();
  }

  beforeAll(async () => {
    [sshd, truth] = await Promise.all([startSshd(), readInventory(new LocalHost())]);
    url = `ssh://root@127.0.0.1:${sshd.port}`;
  });

  afterAll(async () => {
    // Each server closes its backend, and with it the SSH master connection.
    for (const { server, context } of opened.splice(0)) {
      await context.close();
      await server.close();
    }
    sshd?.process.kill();
    if (sshd !== undefined) await rm(sshd.dir, { recursive: true, force: true });
  });

  it('logs in, shows that machine as read over SSH, and goes back to the demo machine', async () => {
    const p = await openApp(clientOptions(sshd));
    await connect(p, url);
    await p.getByRole('heading', { level: 1, name: url }).waitFor({ timeout: 30_000 });
    // Named at once; its inventory is still being read over SSH.
    await p.screenshot({ path: shot('remote-connect-ssh-reading'), fullPage: false });
    // The form closes once the machine is shown.
    await p
      .getByRole('form', { name: 'Connect to a remote machine' })
      .waitFor({ state: 'detached' });
    const disks = p.getByRole('region', { name: 'Disks' });
    await disks.waitFor({ timeout: 30_000 });

    const sub = (await p.locator('header.head .sub').textContent()) ?? '';
    expect(sub.replace(/\s+/g, ' ').trim()).toBe(
      `${truth.os.hostname ?? 'unnamed host'} · ${truth.os.prettyName ?? 'unknown OS'} · over SSH`,
    );
    const shownDisks = await disks.locator('article h3').allTextContents();
    expect(shownDisks.sort()).toEqual(truth.disks.map((d) => d.name).sort());
    // A real machine is not a recording: nothing says read-only.
    await expect(p.getByText('recorded, read-only').count()).resolves.toBe(0);
    await p.screenshot({ path: shot('remote-connect-ssh-machine'), fullPage: false });
    await disks.screenshot({ path: shot('remote-connect-ssh-disks') });

    await p.getByRole('button', { name: 'Show the demo machine' }).click();
    await p.getByRole('heading', { level: 1, name: 'The demo machine' }).waitFor();
    await expect
      .poll(() => p.locator('header.head .sub').textContent())
      .toMatch(/recorded, read-only/);
    const demoDisks = await p
      .getByRole('region', { name: 'Disks' })
      .locator('article h3')
      .allTextContents();
    expect(demoDisks.sort()).not.toEqual(shownDisks.sort());
    expect(problems).toEqual([]);
  });

  it('refuses a server whose host key known_hosts does not name, and stays on the machine shown', async () => {
    const wrong = join(sshd.dir, 'wrong_known_hosts');
    const stranger = (await readFile(join(sshd.dir, 'stranger_key.pub'), 'utf8')).split(' ');
    await writeFile(wrong, `[127.0.0.1]:${sshd.port} ${stranger[0]} ${stranger[1]}\n`);
    const p = await openApp(clientOptions(sshd, sshd.key, wrong));
    await connect(p, url);
    const form = p.getByRole('form', { name: 'Connect to a remote machine' });
    const alert = form.getByRole('alert');
    await alert.waitFor({ timeout: 20_000 });
    await expect(alert.locator('code').textContent()).resolves.toBe('ssh.host-key');
    await expect(alert.locator('p').first().textContent()).resolves.toBe(
      `${url}: the server's host key is not in known_hosts or does not match it. Cohabit never accepts a key by itself: check the key (ssh-keyscan, or log in once with ssh -p ${sshd.port} root@127.0.0.1) and try again.`,
    );
    await expect(p.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'The demo machine',
    );
    await p.screenshot({ path: shot('remote-connect-host-key'), fullPage: false });
    expect(problems).toEqual([]);
  });
});
