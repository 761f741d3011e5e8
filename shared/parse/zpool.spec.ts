// zpool list/get/status parsers against outputs captured on real machines (test/fixtures/storage).
import { describe, expect, it } from 'vitest';
import { ParseError } from '../model/errors';
import type { VdevNode } from '../model/inventory';
import {
  FREEBSD11_ZPOOL_COLUMNS,
  asCohabitZpoolList,
  storageFixture,
} from '../../test/fixtures/storage/storage-fixtures';
import { parseZpoolGet, parseZpoolList, parseZpoolStatus } from './zpool';

function names(nodes: VdevNode[]): string[] {
  return nodes.map((n) => `${n.kind}:${n.name}`);
}

describe('parseZpoolStatus', () => {
  it('reads a degraded NixOS raidz1 whose missing disk shows as a GUID with "was /dev/..."', () => {
    const [pool, ...rest] = parseZpoolStatus(
      storageFixture('zpool-status-nixos-raidz1-degraded.txt'),
    );
    expect(rest).toEqual([]);
    expect(pool?.pool).toBe('zroot');
    expect(pool?.state).toBe('DEGRADED');
    expect(pool?.status).toBe(
      'One or more devices could not be used because the label is missing or invalid.  Sufficient replicas exist for the pool to continue functioning in a degraded state.',
    );
    expect(pool?.action).toBe("Replace the device using 'zpool replace'.");
    expect(pool?.errors).toBe('No known data errors');
    expect(names(pool?.vdevs ?? [])).toEqual(['raidz:raidz1-0']);
    const raidz = pool?.vdevs[0];
    expect(raidz?.state).toBe('DEGRADED');
    expect(raidz?.children.map((c) => [c.name, c.state])).toEqual([
      ['7072232868990400069', 'UNAVAIL'],
      ['ata-ST10000NM0568-2H5110_ZHZ54D1C-part3', 'ONLINE'],
      ['ata-ST10000NM0568-2H5110_ZHZ54DBW-part3', 'ONLINE'],
      ['ata-ST10000NM0568-2H5110_ZHZ54D2A-part3', 'ONLINE'],
    ]);
    // The disk that is gone is still named by the path it had, so its controller can be found.
    expect(pool?.devices).toEqual([
      '/dev/disk/by-id/ata-ST10000NM0568-2H5110_ZHZ54D5K-part3',
      'ata-ST10000NM0568-2H5110_ZHZ54D1C-part3',
      'ata-ST10000NM0568-2H5110_ZHZ54DBW-part3',
      'ata-ST10000NM0568-2H5110_ZHZ54D2A-part3',
    ]);
  });

  it('puts an in-use spare under spare-1 and lists the spares class with AVAIL/INUSE', () => {
    const [pool] = parseZpoolStatus(storageFixture('zpool-status-freebsd-spare-inuse.txt'));
    expect(names(pool?.vdevs ?? [])).toEqual([
      'mirror:mirror-0',
      'mirror:mirror-1',
      'spare:spares',
    ]);
    const spareGroup = pool?.vdevs[1]?.children[1];
    expect(spareGroup?.kind).toBe('group');
    expect(spareGroup?.name).toBe('spare-1');
    expect(spareGroup?.children.map((c) => c.name)).toEqual(['9567955613261044063', 'vtbd1']);
    const spares = pool?.vdevs[2];
    expect(spares?.children.map((c) => [c.name, c.state])).toEqual([
      ['11651124579463483589', 'INUSE'],
      ['vtbd2', 'AVAIL'],
    ]);
    expect(pool?.devices).toContain('/dev/vtbd6');
    expect(pool?.devices).toContain('vtbd2');
    expect(pool?.devices).not.toContain('spare-1');
  });

  it('puts log and cache devices under their class headers, not under the last mirror', () => {
    const [pool] = parseZpoolStatus(storageFixture('zpool-status-openzfs-3267-logs-cache.txt'));
    expect(names(pool?.vdevs ?? [])).toEqual(['mirror:mirror-0', 'log:logs', 'cache:cache']);
    expect(names(pool?.vdevs[1]?.children ?? [])).toEqual(['mirror:mirror-1']);
    expect(names(pool?.vdevs[1]?.children[0]?.children ?? [])).toEqual(['disk:sda3', 'disk:sdb3']);
    expect(names(pool?.vdevs[2]?.children ?? [])).toEqual(['disk:sda4', 'disk:sdb4']);
    expect(pool?.devices).toEqual(['sdc', 'sdd', 'sda3', 'sdb3', 'sda4', 'sdb4']);
    expect(pool?.status).toContain('currently being resilvered');
  });

  it('reads a special class header printed with a trailing space, and its write errors', () => {
    const [pool] = parseZpoolStatus(storageFixture('zpool-status-checkmk-475-special.txt'));
    expect(names(pool?.vdevs ?? [])).toEqual(['mirror:mirror-0', 'special:special']);
    const ssd = pool?.vdevs[1]?.children[0]?.children[0];
    expect(ssd?.name).toBe('ata-Samsung_SSD_860_QVO_1TB_S4CZNF0N459001M-part3');
    expect([ssd?.readErrors, ssd?.writeErrors, ssd?.checksumErrors]).toEqual([0, 5, 0]);
    // This paste stops after the tree: no errors line.
    expect(pool?.errors).toBeNull();
  });

  it('splits several pools printed back to back without blank lines', () => {
    const pools = parseZpoolStatus(storageFixture('zpool-status-jc-three-pools.txt'));
    expect(pools.map((p) => [p.pool, p.state, p.devices])).toEqual([
      ['zhgstera6', 'ONLINE', ['726060ALE614-K8JAPRGN:10']],
      ['zint500', 'ONLINE', ['ST3500418AS-5VMSTSSX:5']],
      ['zsam53', 'ONLINE', ['Portable_SSD_T5-S49WNP0N120517B:8']],
    ]);
  });

  it('keeps the list of damaged files that follows "Permanent errors"', () => {
    const [pool] = parseZpoolStatus(storageFixture('zpool-status-jc-unavail-permanent-errors.txt'));
    expect(pool?.state).toBe('UNAVAIL');
    expect(pool?.errors).toBe(
      'Permanent errors have been detected in the following files:\n/tank/data/aaa\n/tank/data/bbb\n/tank/data/ccc',
    );
    const bad = pool?.vdevs[1];
    expect([bad?.name, bad?.state, bad?.readErrors, bad?.writeErrors]).toEqual([
      'c1t1d0',
      'UNAVAIL',
      4,
      1,
    ]);
  });

  it('gives no pools for "no pools available"', () => {
    expect(parseZpoolStatus('no pools available\n')).toEqual([]);
    expect(parseZpoolStatus('')).toEqual([]);
  });

  it('turns abbreviated error counts into numbers (zfs_nicenum is 1024-based)', () => {
    // Synthetic, shaped like the tank30 paste in openzfs/zfs#15932.
    const text = [
      '  pool: tank30',
      ' state: DEGRADED',
      'config:',
      '',
      '        NAME                      STATE     READ WRITE CKSUM',
      '        tank30                    DEGRADED     0     0 13.4M',
      '          raidz2-3                DEGRADED     0     0  1.2K',
      '            scsi-35000c50094bacf9f  DEGRADED     0     0     0  too many errors  (resilvering)',
      '',
    ].join('\n');
    const [pool] = parseZpoolStatus(text);
    expect(pool?.vdevs[0]?.checksumErrors).toBe(1229);
    expect(pool?.vdevs[0]?.children[0]?.state).toBe('DEGRADED');
  });

  it('accepts class headers that carry state columns (old FreeBSD) and draid vdevs', () => {
    // Synthetic: the layout of FreeBSD's tools/regression/zfs/zpool/add/log.t expectations.
    const text = [
      '  pool: t',
      ' state: ONLINE',
      'config:',
      '\tNAME        STATE   READ WRITE CKSUM',
      '\tt           ONLINE     0     0     0',
      '\t  draid1:4d:6c:1s-0  ONLINE     0     0     0',
      '\t    /dev/sdb  ONLINE     0     0     0',
      '\tlogs        ONLINE     0     0     0',
      '\t  /dev/sdc  ONLINE     0     0     0',
      '\tspares',
      '\t  draid1-0-0  AVAIL',
      'errors: No known data errors',
    ].join('\n');
    const [pool] = parseZpoolStatus(text);
    expect(names(pool?.vdevs ?? [])).toEqual([
      'draid:draid1:4d:6c:1s-0',
      'log:logs',
      'spare:spares',
    ]);
    expect(pool?.vdevs[1]?.state).toBe('ONLINE');
    expect(pool?.devices).toEqual(['/dev/sdb', '/dev/sdc']);
  });

  it('rejects text that is not zpool status, naming the line', () => {
    expect(() => parseZpoolStatus('cannot open pool: permission denied\n')).toThrow(ParseError);
    expect(() => parseZpoolStatus('  pool: x\nconfig:\n\tNAME STATE\n\tx ONLINE 0 0 0\n')).toThrow(
      /no state/,
    );
  });
});

describe('parseZpoolList', () => {
  // The real rows below come from `zpool list -p` (zpool-list-p-two-pools.txt) rearranged into our
  // -o column order; that command has no guid column, so the guids here are synthetic.
  const real = asCohabitZpoolList(storageFixture('zpool-list-p-two-pools.txt'), [
    'NAME',
    'SIZE',
    'ALLOC',
    'FREE',
    'CKPOINT',
    'EXPANDSZ',
    'FRAG',
    'CAP',
    'DEDUP',
    'HEALTH',
    'ALTROOT',
  ]);

  it('reads exact sizes, health and a missing altroot', () => {
    expect(parseZpoolList(real)).toEqual([
      {
        name: 'store',
        sizeBytes: 9981503995904,
        allocatedBytes: 3046184919040,
        freeBytes: 6935319076864,
        fragmentationPercent: 9,
        capacityPercent: 30,
        health: 'DEGRADED',
        guid: '1000',
        altroot: null,
      },
      {
        name: 'zroot',
        sizeBytes: 246960619520,
        allocatedBytes: 187805274112,
        freeBytes: 59155345408,
        fragmentationPercent: 67,
        capacityPercent: 76,
        health: 'ONLINE',
        guid: '1001',
        altroot: null,
      },
    ]);
  });

  it('reads a pool that cannot be opened (real FreeBSD `zpool list -Hp`): its sizes are unknown, not 0', () => {
    // telegraf PR #3149: an UNAVAIL pool next to an ONLINE one, FreeBSD 11's default columns.
    const rows = parseZpoolList(
      asCohabitZpoolList(
        storageFixture('zpool-list-Hp-telegraf-3149-unavail.txt'),
        FREEBSD11_ZPOOL_COLUMNS,
      ),
    );
    expect(rows).toEqual([
      {
        name: 'temp2',
        sizeBytes: null,
        allocatedBytes: null,
        freeBytes: null,
        fragmentationPercent: null,
        capacityPercent: null,
        health: 'UNAVAIL',
        guid: '1000',
        altroot: null,
      },
      {
        name: 'zroot',
        sizeBytes: 110595407872,
        allocatedBytes: 53253271552,
        freeBytes: 57342136320,
        // That zpool printed FRAG as `16%` even with -p.
        fragmentationPercent: 16,
        capacityPercent: 48,
        health: 'ONLINE',
        guid: '1001',
        altroot: null,
      },
    ]);
  });

  it('keeps a % only on the percent columns', () => {
    expect(() => parseZpoolList('tank\t100%\t1\t1\t0\t0\tONLINE\t1\t-')).toThrow(
      /size "100%" is not a plain number/,
    );
  });

  it('rejects the default column set (real `zpool list -vHPp`), naming line 1', () => {
    const text = storageFixture('zpool-list-vHPp-default-columns.txt');
    expect(() => parseZpoolList(text)).toThrow(/line 1: expected 9 tab-separated fields, found 11/);
  });

  it('rejects human-readable sizes: -p was forgotten', () => {
    expect(() =>
      parseZpoolList('rpool\t7.20T\t436G\t6.78T\t21\t5\tONLINE\t6988174159253467568\t-'),
    ).toThrow(/-p/);
  });
});

describe('parseZpoolGet', () => {
  it('maps every property of a real NixOS pool, features included', () => {
    const props = parseZpoolGet(storageFixture('zpool-get-H-nixos-rpool.converted.txt'));
    expect([...props.keys()]).toEqual(['rpool']);
    const rpool = props.get('rpool');
    expect(rpool?.size).toBe(54);
    expect(rpool?.get('guid')).toBe('6988174159253467568');
    expect(rpool?.get('bootfs')).toBe('-');
    expect(rpool?.get('feature@encryption')).toBe('enabled');
    expect(rpool?.get('feature@large_dnode')).toBe('active');
  });

  it('keeps spaces and tabs inside a value', () => {
    const props = parseZpoolGet(
      'tank\tcomment\tmy pool\twith a tab\ntank\tcompatibility\topenzfs-2.1-linux\n',
    );
    expect(props.get('tank')?.get('comment')).toBe('my pool\twith a tab');
  });

  it('rejects lines that are not three tab-separated columns', () => {
    expect(() => parseZpoolGet('NAME   PROPERTY  VALUE  SOURCE\n')).toThrow(ParseError);
  });
});
