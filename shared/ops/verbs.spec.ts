// The verb list is closed and strict: unknown verbs, unknown keys and hostile names are refused
// before anything could build an argv from them.
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { VerbCallSchema, verbSpecs } from './verbs';

const parse = (value: unknown) => v.safeParse(VerbCallSchema, value);

describe('VerbCallSchema', () => {
  it('accepts a well-formed call and builds argv with the journal stamped on the dataset', () => {
    const r = parse({
      verb: 'zfs.createDataset',
      args: { dataset: 'zroot/new-system', role: 'system', system: 'new-system' },
    });
    expect(r.success).toBe(true);
    expect(
      verbSpecs('0123456789abcdef')['zfs.createDataset'].argv({
        dataset: 'zroot/new-system',
        role: 'system',
        system: 'new-system',
      }),
    ).toEqual([
      'zfs',
      'create',
      '-o',
      'mountpoint=legacy',
      '-o',
      'cohabit:managed=on',
      '-o',
      'cohabit:role=system',
      '-o',
      'cohabit:system=new-system',
      '-o',
      'cohabit:journal=0123456789abcdef',
      'zroot/new-system',
    ]);
  });

  it.each([
    ['an unknown verb', { verb: 'shell.run', args: { command: 'reboot' } }],
    ['an extra key', { verb: 'fs.mkdir', args: { path: '/mnt/x', mode: 0o755, follow: true } }],
    [
      'a command substitution in a dataset',
      { verb: 'zfs.destroyManaged', args: { dataset: 'zroot/$(reboot)' } },
    ],
    ['a space in a dataset', { verb: 'zfs.destroyManaged', args: { dataset: 'zroot/a b' } }],
    [
      '.. in a path',
      {
        verb: 'file.write',
        args: { path: '/etc/nixos/../shadow', content: '', mode: 0o644, previousSha256: null },
      },
    ],
    ['a relative path', { verb: 'fs.mkdir', args: { path: 'etc/nixos', mode: 0o755 } }],
    [
      'a non-zvol device for mkfs',
      { verb: 'disk.mkfsFat', args: { device: '/dev/sda', label: 'EFI' } },
    ],
    [
      'a comma in mount options',
      {
        verb: 'fs.mount',
        args: { source: 'zroot/x', target: '/mnt', fstype: 'zfs', options: ['ro,suid'] },
      },
    ],
  ])('refuses %s', (_what, call) => {
    expect(parse(call).success).toBe(false);
  });
});
