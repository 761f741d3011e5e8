import { describe, expect, it } from 'vitest';
import { parseCmdline } from '../../shared/parse/cmdline';
import { runningStage1 } from './running-stage1';

const boot = (line: string) => ({ cmdlineArgs: parseCmdline(line) });

describe('runningStage1', () => {
  it('reads systemd stage 1 from root=fstab, and the parameters NixOS was given', () => {
    expect(
      runningStage1(
        boot(
          'BOOT_IMAGE=(hd0,gpt2)/kernels/bzImage init=/nix/store/x-nixos-system/init root=fstab intel_iommu=on iommu=pt loglevel=4',
        ),
        '26.11',
      ),
    ).toEqual({
      release: '26.11',
      initrdSystemd: true,
      kernelParams: ['root=fstab', 'intel_iommu=on', 'iommu=pt', 'loglevel=4'],
    });
  });

  it('calls a command line without root= the scripted initrd, and leaves odd releases unknown', () => {
    const facts = runningStage1(boot('init=/nix/store/x/init iommu=pt'), 'rolling');
    expect([facts.release, facts.initrdSystemd]).toEqual([null, false]);
    expect(runningStage1(boot(''), '25.11')).toEqual({
      release: '25.11',
      initrdSystemd: null,
      kernelParams: null,
    });
  });
});
