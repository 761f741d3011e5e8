// Launches Debian's chromium through playwright-core (never a downloaded browser), headless and
// quiet: no sandbox (containers), no GPU, no background network.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

// Each e2e file runs in its own process: its backends keep layout drafts in a fresh state
// directory, never the user's, and no file sees another's drafts.
process.env.XDG_STATE_HOME = mkdtempSync(join(tmpdir(), 'cohabit-e2e-state-'));
