// The passthrough verdicts on the demo machine, as a user of the app sees them: the NVIDIA card
// and the spare USB controller can go; the display GPU, the GPU sharing a group with the data
// disk's SATA controller, and the keyboard's controller cannot.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePassthrough } from '../../shared/analysis/passthrough';
import type { PassthroughAnalysis, PassthroughCandidate } from '../../shared/analysis/passthrough';
import { loadDemoHost } from '../../electron/host/select-host';
import { readInventory } from '../../electron/inventory/read-inventory';

let analysis: PassthroughAnalysis;
const find = (list: PassthroughCandidate[], address: string) =>
  list.find((c) => c.address === address);
const codes = (c: PassthroughCandidate | undefined) => c?.reasons.map((r) => r.code) ?? [];

beforeAll(async () => {
  const inventory = await readInventory(await loadDemoHost());
  analysis = analyzePassthrough({
    inventory,
    facts: { sysfs: true, disks: true, usb: true, network: true },
    hostHeadless: false,
  });
});

describe('passthrough analysis of the demo machine', () => {
  it('passes the NVIDIA card with its four functions, clean', () => {
    expect(find(analysis.gpus, '0000:01:00.0')).toMatchObject({
      verdict: 'ok',
      clean: true,
      foreign: [],
      bindByAddress: false,
      passTogether: ['0000:01:00.0', '0000:01:00.1', '0000:01:00.2', '0000:01:00.3'],
      vfioIds: ['10de:1e87', '10de:10f8', '10de:1ad8', '10de:1ad9'],
    });
  });

  it('refuses the iGPU that drives the display, unless the host goes headless', async () => {
    expect(codes(find(analysis.gpus, '0000:00:02.0'))).toContain('refuse.boot-vga');
    const inventory = await readInventory(await loadDemoHost());
    const headless = analyzePassthrough({
      inventory,
      facts: { sysfs: true, disks: true, usb: true, network: true },
      hostHeadless: true,
    });
    expect(codes(find(headless.gpus, '0000:00:02.0'))).not.toContain('refuse.boot-vga');
  });

  it('refuses the RX 560: its group holds the SATA controller of the mounted data disk', () => {
    const rx = find(analysis.gpus, '0000:04:00.0');
    expect(rx).toMatchObject({ verdict: 'refuse', clean: false, foreign: ['0000:00:17.0'] });
    const reason = rx?.reasons.find((r) => r.code === 'refuse.host-disk-controller');
    expect(reason?.message).toMatch(/group 8 .*0000:00:17\.0.*sda.*\/srv\/data/);
  });

  it('passes the spare ASMedia controller and refuses the one with the keyboard', () => {
    expect(find(analysis.usbControllers, '0000:03:00.0')).toMatchObject({
      verdict: 'ok',
      clean: true,
      passTogether: ['0000:03:00.0'],
    });
    expect(codes(find(analysis.usbControllers, '0000:00:14.0'))).toContain(
      'refuse.input-usb-controller',
    );
  });
});
