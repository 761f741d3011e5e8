// The evaluation harness itself: it must catch what NixOS catches, or the tests built on it prove
// nothing. Each case is a small configuration that a real NixOS of that release rejects or warns on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NixosEvaluator } from './nixos-eval';

let evaluator: NixosEvaluator;
beforeAll(async () => {
  evaluator = await NixosEvaluator.create();
});
afterAll(() => evaluator.dispose());

const HARDWARE = `{ lib, ... }: {
  fileSystems."/" = { device = "zroot/root"; fsType = "zfs"; };
  fileSystems."/boot" = { device = "/dev/disk/by-uuid/6A3B-1F2C"; fsType = "vfat"; };
}
`;
const config = (body: string) => ({
  'configuration.nix': `{ config, lib, pkgs, ... }: {
  imports = [ ./hardware-configuration.nix ];
  boot.loader.grub = { enable = true; device = "nodev"; efiSupport = true; };
  networking.hostId = "8425e349";
  boot.zfs.forceImportRoot = false;
  system.stateVersion = "25.11";
${body}
}
`,
  'hardware-configuration.nix': HARDWARE,
});

describe('the lib.evalModules harness', () => {
  it('passes a plain ZFS system on every release', async () => {
    for (const release of ['25.11', '26.05', '26.11'] as const) {
      const result = await evaluator.evaluate(config(''), release);
      expect([release, result.failedAssertions, result.warnings]).toEqual([release, [], []]);
      expect(result.systemdInitrd).toBe(release !== '25.11');
    }
  });

  it('fails an option nobody declared, even inside a submodule', async () => {
    await expect(evaluator.evaluate(config('boot.initrd.nonsense = 1;'), '26.11')).rejects.toThrow(
      /boot\.initrd\.nonsense' does not exist/,
    );
    await expect(
      evaluator.evaluate(config('users.users.bob = { isNormalUser = true; shoe = 1; };'), '26.11'),
    ).rejects.toThrow(/users\.users\.bob\.shoe' does not exist/);
  });

  it('rejects preDeviceCommands under systemd stage 1 and warns on the scripted initrd from 26.05', async () => {
    const pre = await evaluator.evaluate(
      config('boot.initrd.preDeviceCommands = "true";'),
      '26.05',
    );
    expect(pre.failedAssertions).toEqual([
      "systemd stage 1 does not support 'boot.initrd.preDeviceCommands'. Please convert it to analogous systemd units in 'boot.initrd.systemd'.",
    ]);
    const scripted = await evaluator.evaluate(
      config('boot.initrd.systemd.enable = false;'),
      '26.11',
    );
    expect(scripted.warnings).toEqual([
      'Scripted initrd is deprecated and scheduled for removal in 26.11',
    ]);
    const old = await evaluator.evaluate(
      config('boot.initrd.preDeviceCommands = "true";'),
      '25.11',
    );
    expect([old.failedAssertions, old.warnings]).toEqual([[], []]);
  });

  it('warns while forceImportRoot is left at a default of true (26.05 on), not once it is set', async () => {
    const files = config('');
    files['configuration.nix'] = files['configuration.nix'].replace(
      'boot.zfs.forceImportRoot = false;',
      '',
    );
    expect((await evaluator.evaluate(files, '25.11')).warnings).toEqual([]);
    expect((await evaluator.evaluate(files, '26.05')).warnings).toEqual([
      expect.stringContaining('`boot.zfs.forceImportRoot` is using the default value of `true`'),
    ]);
    const fresh = files['configuration.nix'].replace('"25.11"', '"26.11"');
    const result = await evaluator.evaluate({ ...files, 'configuration.nix': fresh }, '26.11');
    expect([result.forceImportRoot, result.warnings]).toEqual([false, []]);
  });

  it('fails extraGroups for a user the system does not declare, and a removed option', async () => {
    const user = await evaluator.evaluate(
      config('users.users.alice.extraGroups = [ "libvirtd" ];'),
      '26.11',
    );
    expect(user.failedAssertions).toContain(
      'Exactly one of users.users.alice.isSystemUser and users.users.alice.isNormalUser must be set.',
    );
    const ovmf = await evaluator.evaluate(
      config('virtualisation.libvirtd.qemu.ovmf.enable = true;'),
      '25.11',
    );
    expect(ovmf.failedAssertions.join('\n')).toContain('virtualisation.libvirtd.qemu.ovmf');
  });

  it('finds duplicate kernel parameters, also in a specialisation that inherits them', async () => {
    const result = await evaluator.evaluate(
      config(`boot.kernelParams = [ "iommu=pt" ];
  specialisation.vfio.configuration.boot.kernelParams = [ "iommu=pt" "vfio-pci.ids=10de:1e87" ];`),
      '26.11',
    );
    expect(result.duplicateKernelParams).toEqual([]);
    expect(result.specialisations.vfio?.duplicateKernelParams).toEqual(['iommu=pt']);
  });
});
