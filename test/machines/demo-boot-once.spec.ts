// "Boot it once" on the shipped demo machines (issue 16): the workstations keep /boot/grub on the
// root pool, where GRUB cannot clear a one-time choice; twin-gpu mounts its ESP at /boot, so
// grubenv is on FAT and the offer stands.
import { describe, expect, it } from 'vitest';
import { bootOnceChoice } from '../../shared/analysis/boot-once';
import { loadDemoHost } from '../../electron/host/select-host';
import { readInventory } from '../../electron/inventory/read-inventory';

const choiceOn = async (name: string) =>
  bootOnceChoice(await readInventory(await loadDemoHost(name)));

describe('boot once on the demo machines', () => {
  it('is refused on the workstations, whose grubenv is on ZFS', async () => {
    for (const name of ['workstation', 'workstation-2511', 'edited-config'])
      expect(await choiceOn(name)).toEqual({
        possible: false,
        reason:
          '/boot/grub/grubenv is on ZFS (mounted at /); GRUB never writes to ZFS, so it could not clear a one-time choice and every boot would go to the new system.',
      });
  });

  it('is offered on twin-gpu, whose ESP is /boot', async () => {
    expect(await choiceOn('twin-gpu')).toEqual({
      possible: true,
      envFile: '/boot/grub/grubenv',
    });
  });
});
