// ZFS pools (with their vdev trees, health, features and bootfs) and every dataset, zvol and
// snapshot with the properties Cohabit reasons about and its own `cohabit:` user properties.
import { diagnostic } from '../../shared/model/diagnostic';
import type { Zfs, ZfsPool } from '../../shared/model/inventory';
import { parseZfsList } from '../../shared/parse/zfs';
import { parseZpoolGet, parseZpoolList, parseZpoolStatus } from '../../shared/parse/zpool';
import {
  ZFS_LIST_ARGV,
  ZFS_LIST_COLUMNS,
  ZFS_VERSION_ARGV,
  ZPOOL_GET_ARGV,
  ZPOOL_LIST_ARGV,
  ZPOOL_STATUS_ARGV,
} from './commands';
import type { ReadContext } from './read-context';

const FEATURE_STATES = new Set(['disabled', 'enabled', 'active']);

export async function readZfs(ctx: ReadContext): Promise<Zfs> {
  const version = await ctx.run(ZFS_VERSION_ARGV, {
    code: 'zfs.version',
    missingTool: 'this machine has no ZFS tools, so there are no pools to show.',
  });
  if (version === null) return { available: false, version: null, pools: [], datasets: [] };

  const [listOut, getOut, statusOut, datasetsOut] = await Promise.all([
    ctx.run(ZPOOL_LIST_ARGV, { code: 'zfs.zpool-list', missingTool: 'pools cannot be listed.' }),
    ctx.run(ZPOOL_GET_ARGV, {
      code: 'zfs.zpool-get',
      missingTool: 'pool properties cannot be read.',
    }),
    ctx.run(ZPOOL_STATUS_ARGV, {
      code: 'zfs.zpool-status',
      missingTool: 'the vdev tree cannot be read.',
    }),
    ctx.run(ZFS_LIST_ARGV, {
      code: 'zfs.list',
      missingTool: 'datasets cannot be listed.',
      timeoutMs: 120_000,
    }),
  ]);
  const rows =
    listOut === null
      ? []
      : (ctx.parse('zpool list', 'zfs.zpool-list', () => parseZpoolList(listOut)) ?? []);
  const props =
    getOut === null
      ? new Map<string, Map<string, string>>()
      : (ctx.parse('zpool get all', 'zfs.zpool-get', () => parseZpoolGet(getOut)) ??
        new Map<string, Map<string, string>>());
  const statuses =
    statusOut === null
      ? []
      : (ctx.parse('zpool status -P', 'zfs.zpool-status', () => parseZpoolStatus(statusOut)) ?? []);
  const datasets =
    datasetsOut === null
      ? []
      : (ctx.parse('zfs list', 'zfs.list', () => parseZfsList(datasetsOut, ZFS_LIST_COLUMNS)) ??
        []);

  const pools: ZfsPool[] = rows.map((row) => {
    const p = props.get(row.name) ?? new Map<string, string>();
    const status = statuses.find((s) => s.pool === row.name);
    const features: ZfsPool['features'] = {};
    for (const [key, value] of p) {
      if (!key.startsWith('feature@')) continue;
      if (FEATURE_STATES.has(value))
        features[key.slice('feature@'.length)] = value as 'disabled' | 'enabled' | 'active';
    }
    const value = (key: string) => {
      const v = p.get(key);
      return v === undefined || v === '-' || v === '' ? null : v;
    };
    const compatibility = value('compatibility');
    if (status === undefined)
      ctx.report(
        diagnostic(
          'zfs.no-status',
          'warning',
          `zpool status says nothing about pool ${row.name}: its disks are unknown.`,
          { subject: row.name },
        ),
      );
    return {
      ...row,
      bootfs: value('bootfs'),
      compatibility: compatibility === 'off' ? null : compatibility,
      features,
      ashift: parseAshift(value('ashift')),
      vdevs: status?.vdevs ?? [],
      devices: status?.devices ?? [],
    };
  });
  // `zfs version` prints `zfs-2.3.4-1` then `zfs-kmod-2.3.4-1`: keep the userland release.
  const release = /^zfs-(\d+\.\d+(?:\.\d+)?)/m.exec(version)?.[1] ?? null;
  return { available: true, version: release, pools, datasets };
}

// ashift is a small integer (9 to 16); anything else is not believed.
function parseAshift(text: string | null): number | null {
  if (text === null || !/^\d{1,2}$/.test(text)) return null;
  const n = Number(text);
  return n === 0 || (n >= 9 && n <= 16) ? n : null;
}
