// Parser for /proc/meminfo: total and available memory and the default huge page pool.
import { ParseError } from '../model/errors';

export interface Meminfo {
  totalBytes: number;
  /** MemAvailable; null on kernels older than 3.14, which do not print it. */
  availableBytes: number | null;
  hugePagesTotal: number;
  hugePagesFree: number;
  hugepageSizeKiB: number | null;
}

const FORMAT = '/proc/meminfo';
const LINE_RE = /^([^:\s]+):\s*(\d+)(?:\s+kB)?\s*$/;

export function parseMeminfo(text: string): Meminfo {
  const values = new Map<string, number>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').replace(/\r$/, '');
    if (line.trim() === '') continue;
    const m = LINE_RE.exec(line);
    // Fields this parser does not use may change shape between kernels; only ours must be clean.
    if (!m) {
      const key = line.split(':')[0]?.trim() ?? '';
      if (
        ['MemTotal', 'MemAvailable', 'HugePages_Total', 'HugePages_Free', 'Hugepagesize'].includes(
          key,
        )
      ) {
        throw new ParseError(FORMAT, `unreadable ${key} line`, n + 1);
      }
      continue;
    }
    const key = m[1] ?? '';
    if (!values.has(key)) values.set(key, Number(m[2]));
  }
  const total = values.get('MemTotal');
  if (total === undefined) throw new ParseError(FORMAT, 'no MemTotal line');
  const available = values.get('MemAvailable');
  return {
    totalBytes: total * 1024,
    availableBytes: available === undefined ? null : available * 1024,
    hugePagesTotal: values.get('HugePages_Total') ?? 0,
    hugePagesFree: values.get('HugePages_Free') ?? 0,
    hugepageSizeKiB: values.get('Hugepagesize') ?? null,
  };
}
