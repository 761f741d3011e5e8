// Launches Debian's chromium through playwright-core (never a downloaded browser), headless and
// quiet: no sandbox (containers), no GPU, no background network.
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

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
