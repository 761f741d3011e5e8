// The demo snapshot shipped with the app is exactly a recording of the demo machine with today's
// readers, and its inventory is what the hand-written expectation says.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOT_URL, loadDemoHost } from '../electron/host/select-host';
import { readInventory } from '../electron/inventory/read-inventory';
import { recordDemo, serializeSnapshot } from './record-demo';

describe('the shipped demo snapshot', () => {
  it('is current: re-recording the demo machine gives the same file (else run npm run demo:record)', async () => {
    const shipped = await readFile(DEMO_SNAPSHOT_URL, 'utf8');
    expect(serializeSnapshot(await recordDemo())).toBe(shipped);
  });

  it('replays without a single unrecorded read', async () => {
    const inv = await readInventory(await loadDemoHost());
    expect(inv.diagnostics.filter((d) => d.code.endsWith('.not-recorded'))).toEqual([]);
  });
});
