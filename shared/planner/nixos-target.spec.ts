// The release facts the planner writes for, on the demo inventory with one fact changed at a time.
import { beforeAll, describe, expect, it } from 'vitest';
import { readInventory } from '../../electron/inventory/read-inventory';
import { buildDemoMachine } from '../../test/machines/demo-machine';
import type { Inventory } from '../model/inventory';
import { seedLayout } from './examples';
import {
  existingKernelParams,
  mainInitrdSystemd,
  mainRelease,
  newSystemStateVersion,
  ovmfPaths,
  staleFirmware,
} from './nixos-target';
import { plan } from './plan';

let demo: Inventory;
beforeAll(async () => {
  demo = await readInventory(buildDemoMachine());
});
const changed = (mutate: (inv: Inventory) => void): Inventory => {
  const inv = structuredClone(demo);
  mutate(inv);
  return inv;
};

describe('the release the planner writes for', () => {
  it('takes the evaluated release first, then os-release, then the version', () => {
    expect(mainRelease(changed((i) => i.os.nixos && (i.os.nixos.release = '26.05')))).toBe('26.05');
    expect(
      mainRelease(
        changed((i) => {
          if (i.os.nixos) i.os.nixos.release = null;
          i.os.versionId = null;
          if (i.os.nixos) i.os.nixos.version = '26.11.1234.abcdef';
        }),
      ),
    ).toBe('26.11');
  });

  it("gives a new system the main system's release as stateVersion, not the main system's own", () => {
    const inv = changed((i) => {
      i.os.versionId = '26.11';
      if (i.os.nixos) {
        i.os.nixos.release = '26.11';
        i.os.nixos.stateVersion = '24.05';
      }
    });
    expect(newSystemStateVersion(inv)).toBe('26.11');
    expect(newSystemStateVersion(inv, '25.11')).toBe('25.11');
  });

  it('knows stage 1 from the machine, else from the release default', () => {
    expect(
      mainInitrdSystemd(changed((i) => i.os.nixos && (i.os.nixos.initrdSystemd = false))),
    ).toBe(false);
    const unknown = changed((i) => {
      if (i.os.nixos) i.os.nixos.initrdSystemd = null;
      i.os.versionId = '26.05';
      if (i.os.nixos) i.os.nixos.release = '26.05';
    });
    expect(mainInitrdSystemd(unknown)).toBe(true);
  });

  it('takes the kernel parameters from the command line when nothing was evaluated', () => {
    const inv = changed((i) => i.os.nixos && (i.os.nixos.kernelParams = null));
    expect(existingKernelParams(inv)).toEqual(
      expect.arrayContaining(['intel_iommu=on', 'iommu=pt']),
    );
    expect(existingKernelParams(inv).some((p) => p.startsWith('init='))).toBe(false);
  });

  it("names QEMU's edk2 images from 25.11 on, and flags a definition still naming OVMF_CODE.fd", () => {
    expect(ovmfPaths('26.11').code).toBe('/run/libvirt/nix-ovmf/edk2-x86_64-code.fd');
    expect(ovmfPaths('25.05').code).toBe('/run/libvirt/nix-ovmf/OVMF_CODE.fd');
    const old = "<loader readonly='yes' type='pflash'>/run/libvirt/nix-ovmf/OVMF_CODE.fd</loader>";
    expect(staleFirmware('/var/lib/cohabit/vms/macos.xml', old, 'vms[0]')).toEqual([
      expect.objectContaining({ code: 'libvirt.ovmf-removed', severity: 'warning' }),
    ]);
    expect(staleFirmware('/var/lib/cohabit/vms/macos.xml', null, 'vms[0]')).toEqual([]);
  });
});

describe('the seed plan', () => {
  const context = (files: Record<string, string | null> = {}) => ({
    id: '0123456789abcdef',
    now: '2026-12-01T00:00:00.000Z',
    files: { '/etc/nixos/configuration.nix': '{ ... }: { imports = [ ]; }', ...files },
  });
  const written = (p: Awaited<ReturnType<typeof plan>>, path: string) =>
    p.steps.flatMap((s) =>
      s.call.verb === 'file.write' && s.call.args.path === path ? [s.call.args.content] : [],
    )[0] ?? '';

  it('never writes amd_iommu=on, and intel_iommu=on only on Intel when the machine lacks it', async () => {
    const amd = changed((i) => {
      if (i.cpu) i.cpu.vendor = 'amd';
      if (i.os.nixos) i.os.nixos.kernelParams = [];
    });
    const module = written(await plan(amd, seedLayout(amd), context()), '/etc/nixos/cohabit.nix');
    expect(module).not.toContain('amd_iommu');
    expect(module).not.toContain('intel_iommu');
    expect(module).toContain('"iommu=pt"');
    const intel = changed((i) => i.os.nixos && (i.os.nixos.kernelParams = []));
    expect(
      written(await plan(intel, seedLayout(intel), context()), '/etc/nixos/cohabit.nix'),
    ).toContain('"intel_iommu=on"');
  });

  it('rewrites a VM definition that names removed firmware, and says why', async () => {
    const p = await plan(
      demo,
      seedLayout(demo),
      context({
        '/var/lib/cohabit/vms/macos.xml':
          '<domain><os><loader>/run/libvirt/nix-ovmf/OVMF_CODE.fd</loader></os></domain>\n',
      }),
    );
    expect(p.diagnostics.map((d) => d.code)).toContain('libvirt.ovmf-removed');
    expect(written(p, '/var/lib/cohabit/vms/macos.xml')).toContain(
      '/run/libvirt/nix-ovmf/edk2-x86_64-code.fd',
    );
  });
});
