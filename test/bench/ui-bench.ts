// The UI figures of `npm run bench`: the initial JavaScript (what index.html loads) gzipped, and
// the time from navigation to an interactive machine view on the demo in browser mode, measured
// in headless Chromium against the real backend.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startServer } from '../../electron/serve/server';
import { launchChromium } from '../e2e/browser';

const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

/** Gzipped bytes of the scripts index.html loads (modulepreload included). */
export async function initialJsGzipBytes(): Promise<{
  files: string[];
  gzipBytes: number;
  rawBytes: number;
}> {
  const html = await readFile(join(RENDERER_DIR, 'index.html'), 'utf8');
  const referenced = [...html.matchAll(/(?:src|href)="\/?([^"]+\.js)"/g)].map((m) => m[1] ?? '');
  const files =
    referenced.length > 0
      ? referenced
      : (await readdir(join(RENDERER_DIR, 'assets')))
          .filter((f) => f.endsWith('.js'))
          .map((f) => `assets/${f}`);
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const f of files) {
    const body = await readFile(join(RENDERER_DIR, f));
    rawBytes += body.length;
    gzipBytes += gzipSync(body, { level: 9 }).length;
  }
  return { files, gzipBytes, rawBytes };
}

/** Navigation start to the pools section and the GPU verdicts on screen, in ms, one per run. */
export async function timeToInteractiveMs(runs: number): Promise<number[]> {
  const server = await startServer({ demo: true, port: 0 });
  const browser = await launchChromium();
  const times: number[] = [];
  try {
    for (let i = 0; i <= runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const start = performance.now();
      await page.goto(server.url);
      await page.getByRole('heading', { name: /ZFS pools/ }).waitFor({ state: 'visible' });
      await page.getByRole('heading', { name: /^GPUs/ }).waitFor({ state: 'attached' });
      if (i > 0) times.push(performance.now() - start); // the first run warms the server's caches
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return times;
}
