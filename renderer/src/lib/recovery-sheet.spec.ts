// The recovery sheet: newest step first, each with the lines to type; a replaced file is put back
// from the executor's backup copy, a new one removed. The steps below are the demo machine's seed
// plan as `cohabit plan --demo` made it (file contents shortened), so the shapes are the planner's.
import { describe, expect, it } from 'vitest';
import type { Plan, Step } from '../../../shared/model/plan';
import { backupPathFor, recoverySheet, tempPathFor } from './recovery-sheet';

const PLAN_ID = '69d1ace109ca6f59';
const STEPS = [
  {
    id: 's01',
    call: {
      verb: 'zfs.createDataset',
      args: {
        dataset: 'zroot/new-system',
        role: 'system',
      },
    },
    title: 'Create the dataset zroot/new-system',
    why: {
      element: 'systems[0]',
      text: '"New System" lives in its own dataset of the pool, mounted the legacy way like the main system\'s.',
    },
    risk: 'creates',
    preview: {
      kind: 'command',
      argv: [
        'zfs',
        'create',
        '-o',
        'mountpoint=legacy',
        '-o',
        'cohabit:managed=on',
        '-o',
        'cohabit:role=system',
        '-o',
        'cohabit:journal=69d1ace109ca6f59',
        'zroot/new-system',
      ],
      shell:
        'zfs create -o mountpoint=legacy -o cohabit:managed=on -o cohabit:role=system -o cohabit:journal=69d1ace109ca6f59 zroot/new-system',
    },
    undo: {
      text: 'Destroy zroot/new-system and everything under it (it was created by this plan).',
      argv: [['zfs', 'destroy', '-r', 'zroot/new-system']],
      shell: ['zfs destroy -r zroot/new-system'],
    },
  },
  {
    id: 's03',
    call: {
      verb: 'disk.waitForDevice',
      args: {
        path: '/dev/zvol/zroot/new-system/fake-efi',
        timeoutSeconds: 30,
      },
    },
    title: "Wait for the volume's device node",
    why: {
      element: 'systems[0]',
      text: 'udev creates /dev/zvol links a moment after zfs create.',
    },
    risk: 'read-only',
    preview: {
      kind: 'command',
      argv: [
        'udevadm',
        'settle',
        '--timeout=30',
        '--exit-if-exists=/dev/zvol/zroot/new-system/fake-efi',
      ],
      shell: 'udevadm settle --timeout=30 --exit-if-exists=/dev/zvol/zroot/new-system/fake-efi',
    },
    undo: {
      text: 'Nothing to undo: it only waits.',
      argv: [],
      shell: [],
    },
  },
  {
    id: 's23',
    call: {
      verb: 'file.write',
      args: {
        path: '/etc/nixos/cohabit.nix',
        content: '(content)',
        mode: 420,
        previousSha256: null,
      },
    },
    title: 'Write /etc/nixos/cohabit.nix',
    why: {
      element: 'host',
      text: "GRUB entries for the new systems, VFIO for the passed devices, libvirt and snapshots, in a file of Cohabit's own.",
    },
    risk: 'creates',
    preview: {
      kind: 'file',
      path: '/etc/nixos/cohabit.nix',
      diff: '(diff)',
      content: '(content)',
      previous: null,
    },
    undo: {
      text: 'Remove /etc/nixos/cohabit.nix (it did not exist before).',
      argv: [['rm', '--', '/etc/nixos/cohabit.nix']],
      shell: ['rm -- /etc/nixos/cohabit.nix'],
    },
  },
  {
    id: 's24',
    call: {
      verb: 'file.write',
      args: {
        path: '/etc/nixos/configuration.nix',
        content: '(content)',
        mode: 420,
        previousSha256: '80bfb208e61e52ec0728560e468204ef314aed9d52ac6da2689fe038d66d1e1c',
      },
    },
    title: 'Import ./cohabit.nix in /etc/nixos/configuration.nix',
    why: {
      element: 'host',
      text: 'One line in your configuration: everything else lives in cohabit.nix.',
    },
    risk: 'modifies',
    preview: {
      kind: 'file',
      path: '/etc/nixos/configuration.nix',
      diff: '(diff)',
      content: '(content)',
      previous: '(previous)',
    },
    undo: {
      text: 'Put back the copy of /etc/nixos/configuration.nix saved before it was changed (kept under /var/lib/cohabit/backups).',
      argv: [],
      shell: [],
    },
  },
  {
    id: 's25',
    call: {
      verb: 'nixos.rebuild',
      args: {
        action: 'boot',
      },
    },
    title: 'Build the main system for the next boot',
    why: {
      element: 'host',
      text: 'The GRUB menu and the kernel settings take effect at the next boot; nothing changes in the running system.',
    },
    risk: 'modifies',
    preview: {
      kind: 'command',
      argv: ['nixos-rebuild', 'boot'],
      shell: 'nixos-rebuild boot',
    },
    undo: {
      text: 'Make the previous generation the boot default again.',
      argv: [['nixos-rebuild', 'boot', '--rollback']],
      shell: ['nixos-rebuild boot --rollback'],
    },
  },
  {
    id: 's29',
    call: {
      verb: 'libvirt.define',
      args: {
        name: 'macos',
        xmlPath: '/var/lib/cohabit/vms/macos.xml',
      },
    },
    title: 'Define the VM macos in libvirt',
    why: {
      element: 'vms[0]',
      text: 'libvirt reads the definition once; the file stays for reference.',
    },
    risk: 'creates',
    preview: {
      kind: 'command',
      argv: ['virsh', '--connect', 'qemu:///system', 'define', '/var/lib/cohabit/vms/macos.xml'],
      shell: 'virsh --connect qemu:///system define /var/lib/cohabit/vms/macos.xml',
    },
    undo: {
      text: 'Remove the VM definition macos.',
      argv: [['virsh', '--connect', 'qemu:///system', 'undefine', '--nvram', 'macos']],
      shell: ['virsh --connect qemu:///system undefine --nvram macos'],
    },
  },
] as Step[];

const plan: Plan = {
  format: 'cohabit-plan/1',
  id: PLAN_ID,
  createdAt: '2025-06-01T10:00:00.000Z',
  pool: 'zroot',
  layoutSha256: '0'.repeat(64),
  steps: STEPS,
  diagnostics: [],
  nextSteps: ['Reboot and choose "New System" in the GRUB menu, then log in as alice.'],
};

describe('backupPathFor', () => {
  it("names the copy the way the executor does: the first 32 hex digits of the path's SHA-256", async () => {
    // sha256("/etc/nixos/configuration.nix"), computed apart with Python's hashlib.
    expect(await backupPathFor(PLAN_ID, '/etc/nixos/configuration.nix')).toBe(
      `/var/lib/cohabit/backups/${PLAN_ID}/460b23dc2a4c76943f68742f99ec0476`,
    );
  });

  it('names the temp file of an interrupted write beside the target', () => {
    expect(tempPathFor(PLAN_ID, '/etc/nixos/cohabit.nix')).toBe(
      `/etc/nixos/.cohabit.nix.cohabit-${PLAN_ID}.tmp`,
    );
  });
});

describe('recoverySheet', async () => {
  const sheet = await recoverySheet(plan, 'the demo machine');
  const lines = sheet.split('\n');

  it('lists the steps newest first', () => {
    const order = lines.filter((l) => /^s\d\d {2}/.test(l)).map((l) => l.slice(0, 3));
    expect(order).toEqual(['s29', 's25', 's24', 's23', 's03', 's01']);
  });

  it('gives each command step its undo lines under its title', () => {
    const at = lines.indexOf('s01  [creates]  Create the dataset zroot/new-system');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 4)).toEqual([
      '    Undo: Destroy zroot/new-system and everything under it (it was created by',
      '    this plan).',
      '    zfs destroy -r zroot/new-system',
    ]);
    expect(sheet).toContain('    nixos-rebuild boot --rollback');
    expect(sheet).toContain('    virsh --connect qemu:///system undefine --nvram macos');
  });

  it('puts a replaced file back from its backup, keeping mode and owner', () => {
    const backup = `/var/lib/cohabit/backups/${PLAN_ID}/460b23dc2a4c76943f68742f99ec0476`;
    expect(sheet).toContain(`    cp -p -- ${backup} /etc/nixos/configuration.nix`);
    expect(sheet).toContain(
      `    rm -f -- /etc/nixos/.configuration.nix.cohabit-${PLAN_ID}.tmp   # a half-written copy, if the write was cut short`,
    );
  });

  it('removes a file the plan created', () => {
    const at = lines.findIndex((l) => l.startsWith('s23  '));
    const block = lines.slice(at, lines.indexOf('', at));
    expect(block).toContain('    rm -- /etc/nixos/cohabit.nix');
    expect(block.join('\n')).not.toContain('cp -p');
  });

  it('says when there is nothing to type', () => {
    const at = lines.indexOf("s03  [read-only]  Wait for the volume's device node");
    expect(lines[at + 2]).toBe('    # Nothing to type.');
  });

  it('names the plan, the pool, the journal and the command that does it all', () => {
    expect(lines[0]).toBe('COHABIT RECOVERY SHEET');
    expect(sheet).toContain(`Plan ${PLAN_ID} for pool zroot on the demo machine`);
    expect(sheet).toContain(`/var/lib/cohabit/journal/${PLAN_ID}.jsonl`);
    expect(sheet).toContain(`cohabit recover --rollback ${PLAN_ID}`);
    expect(sheet).toContain('zpool import -f -N zroot');
  });
});
