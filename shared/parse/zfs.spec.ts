// zfs list -Hp parser, on a listing from a real Proxmox host (converted to -Hp, see SOURCES.md).
import { describe, expect, it } from 'vitest';
import { ParseError } from '../model/errors';
import { storageFixture, ZFS_LIST_COLUMNS } from '../../test/fixtures/storage/storage-fixtures';
import { parseZfsList } from './zfs';

const PROXMOX_COLUMNS = [
  'name',
  'type',
  'used',
  'avail',
  'refer',
  'mountpoint',
  'mounted',
  'canmount',
  'encryption',
  'keystatus',
  'compression',
  'volsize',
  'origin',
];

describe('parseZfsList', () => {
  const datasets = parseZfsList(
    storageFixture('zfs-list-Hp-proxmox.converted.txt'),
    PROXMOX_COLUMNS,
  );

  it('reads filesystems and volumes with their pool, sizes and mount state', () => {
    expect(datasets.map((d) => d.name)).toHaveLength(10);
    expect(datasets[2]).toMatchObject({
      name: 'rpool/ROOT/pve-1',
      pool: 'rpool',
      type: 'filesystem',
      mountpoint: '/',
      mounted: true,
      canmount: 'on',
      encryption: 'off',
      keystatus: null,
    });
    expect(datasets.find((d) => d.name === 'rpool/data')).toMatchObject({
      mountpoint: 'none',
      mounted: false,
    });
  });

  it('reads an encrypted zvol: volsize, no mountpoint, key available', () => {
    const zvol = datasets.find((d) => d.name === 'rpool/data-enc/vm-118-disk-1');
    expect(zvol).toMatchObject({
      type: 'volume',
      volsizeBytes: 16 * 1024 ** 3,
      mountpoint: null,
      mounted: null,
      encryption: 'aes-256-gcm',
      keystatus: 'available',
      volblocksizeBytes: null,
      creation: 0,
      cohabit: {},
    });
  });

  it('uses the full column list the reader asks for, with names holding spaces and cohabit properties', () => {
    // Synthetic lines in the ZFS_LIST_COLUMNS order: a snapshot of a dataset with a space in its name.
    const line = (fields: string[]): string => fields.join('\t');
    const text = [
      line([
        'zroot/vm disks/mac',
        'volume',
        '4096',
        '100',
        '4096',
        '-',
        '-',
        '-',
        'lz4',
        'off',
        '-',
        '68719476736',
        '16384',
        '70866960384',
        '-',
        '1700000000',
        'on',
        'vm',
        '-',
        '-',
      ]),
      line([
        'zroot/vm disks/mac@before',
        'snapshot',
        '0',
        '-',
        '4096',
        '-',
        '-',
        '-',
        '-',
        'off',
        '-',
        '-',
        '-',
        '-',
        '-',
        '1700000100',
        '-',
        '-',
        '-',
        '-',
      ]),
      line([
        'zroot#keep',
        'bookmark',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '1700000200',
        '-',
        '-',
        '-',
        '-',
      ]),
    ].join('\n');
    const [vol, snap, bookmark] = parseZfsList(text, ZFS_LIST_COLUMNS);
    expect(vol).toMatchObject({
      pool: 'zroot',
      volblocksizeBytes: 16384,
      refreservationBytes: 70866960384,
      creation: 1700000000,
      cohabit: { 'cohabit:managed': 'on', 'cohabit:role': 'vm' },
    });
    expect(snap).toMatchObject({
      name: 'zroot/vm disks/mac@before',
      pool: 'zroot',
      availableBytes: null,
      cohabit: {},
    });
    expect(bookmark).toMatchObject({ pool: 'zroot', usedBytes: 0, type: 'bookmark' });
  });

  it('names the line that has the wrong number of fields', () => {
    const text = 'tank\tfilesystem\n' + 'tank/a b\tfilesystem\textra\n';
    expect(() => parseZfsList(text, ['name', 'type'])).toThrow(
      /line 2: expected 2 tab-separated fields, found 3/,
    );
  });

  it('rejects human sizes (real `zfs list` without -p) and unknown types', () => {
    const human = 'rpool\tfilesystem\t75.4G';
    expect(() => parseZfsList(human, ['name', 'type', 'used'])).toThrow(/-p/);
    expect(() => parseZfsList('rpool\tpool', ['name', 'type'])).toThrow(ParseError);
    expect(() => parseZfsList('rpool', ['name'])).toThrow(/name and type/);
  });
});
