// Parser for `zfs list -Hp -t all -o <columns>`: every filesystem, volume, snapshot and bookmark
// with the properties Cohabit plans from, including its own `cohabit:` user properties.
import { ParseError } from '../model/errors';
import type { ZfsDataset } from '../model/inventory';

const FORMAT = 'zfs list -Hp';
const TYPES = ['filesystem', 'volume', 'snapshot', 'bookmark'] as const;

/** `zfs list -o` accepts these short names; they print the same values as the long ones. */
const ALIASES: Record<string, string> = {
  avail: 'available',
  refer: 'referenced',
  compress: 'compression',
  refreserv: 'refreservation',
  volblock: 'volblocksize',
};

const NUMERIC = new Set([
  'used',
  'available',
  'referenced',
  'volsize',
  'volblocksize',
  'refreservation',
  'creation',
]);

function isDatasetType(value: string): value is ZfsDataset['type'] {
  return (TYPES as readonly string[]).includes(value);
}

/** One line's fields by column; a line with another number of fields is not this listing. */
function rowOf(line: string, keys: readonly string[], lineNo: number): Map<string, string> {
  const fields = line.split('\t');
  if (fields.length !== keys.length) {
    const shown = JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
    throw new ParseError(
      FORMAT,
      `expected ${keys.length} tab-separated fields, found ${fields.length}: ${shown}`,
      lineNo,
    );
  }
  return new Map(keys.map((key, i) => [key, fields[i] ?? '']));
}

/**
 * `zfs list -Hp -t all -o <columns>` with the columns given (any list with at least name and type).
 * `-` is "none"; numbers are exact because of -p; names may hold spaces since tab separates fields.
 * Columns that were not asked for read as null, or 0 for the numbers the schema always has.
 */
export function parseZfsList(text: string, columns: readonly string[]): ZfsDataset[] {
  const keys = columns.map((c) => ALIASES[c] ?? c);
  if (!keys.includes('name') || !keys.includes('type')) {
    throw new ParseError(FORMAT, 'the column list must include name and type');
  }
  const datasets: ZfsDataset[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') return;
    const row = rowOf(line, keys, lineNo);
    const name = row.get('name') ?? '';
    if (name === '') throw new ParseError(FORMAT, 'empty dataset name', lineNo);

    const value = (key: string): string | null => {
      const v = row.get(key);
      return v === undefined || v === '-' ? null : v;
    };
    const number = (key: string): number | null => {
      const v = value(key);
      if (v === null) return null;
      if (!/^\d+$/.test(v)) {
        throw new ParseError(
          FORMAT,
          `${name}: ${key} ${JSON.stringify(v)} is not a plain number (was -p given?)`,
          lineNo,
        );
      }
      return Number(v);
    };
    for (const key of keys) if (NUMERIC.has(key)) number(key);

    const type = row.get('type') ?? '';
    if (!isDatasetType(type))
      throw new ParseError(FORMAT, `${name}: unknown type ${JSON.stringify(type)}`, lineNo);
    const mounted = value('mounted');
    if (mounted !== null && mounted !== 'yes' && mounted !== 'no') {
      throw new ParseError(
        FORMAT,
        `${name}: mounted is ${JSON.stringify(mounted)}, not yes or no`,
        lineNo,
      );
    }
    const cohabit: Record<string, string> = {};
    for (const key of keys) {
      const v = value(key);
      if (key.startsWith('cohabit:') && v !== null) cohabit[key] = v;
    }

    datasets.push({
      name,
      pool: name.split(/[/@#]/)[0] ?? name,
      type,
      usedBytes: number('used') ?? 0,
      availableBytes: number('available'),
      referencedBytes: number('referenced') ?? 0,
      mountpoint: value('mountpoint'),
      mounted: mounted === null ? null : mounted === 'yes',
      canmount: value('canmount'),
      compression: value('compression'),
      encryption: value('encryption'),
      keystatus: value('keystatus'),
      volsizeBytes: number('volsize'),
      volblocksizeBytes: number('volblocksize'),
      refreservationBytes: number('refreservation'),
      origin: value('origin'),
      creation: number('creation') ?? 0,
      cohabit,
    });
  });
  return datasets;
}
