// Parser for /proc/net/route: which interface carries the IPv4 default route (the NIC that must
// stay with the host).
import { ParseError } from '../model/errors';

const FORMAT = '/proc/net/route';
const RTF_UP = 0x1;
const HEX8_RE = /^[0-9A-Fa-f]{8}$/;

/** The interface of the default route (Destination and Mask 00000000, RTF_UP set) with the lowest Metric, or null. */
export function parseDefaultRouteInterface(text: string): string | null {
  const lines = text.split('\n');
  let best: { iface: string; metric: number } | null = null;
  let sawHeader = false;
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').trim();
    if (line === '') continue;
    const f = line.split(/\s+/);
    if (!sawHeader) {
      if (f[0] !== 'Iface') throw new ParseError(FORMAT, 'missing the Iface header line', n + 1);
      sawHeader = true;
      continue;
    }
    const [iface = '', destination = '', , flagsHex = '', , , metricText = '', mask = ''] = f;
    if (
      f.length < 8 ||
      !HEX8_RE.test(destination) ||
      !HEX8_RE.test(mask) ||
      !/^[0-9A-Fa-f]{1,8}$/.test(flagsHex) ||
      !/^\d+$/.test(metricText)
    ) {
      throw new ParseError(FORMAT, `malformed route line "${line.slice(0, 60)}"`, n + 1);
    }
    const flags = Number.parseInt(flagsHex, 16);
    if (destination !== '00000000' || mask !== '00000000' || (flags & RTF_UP) === 0) continue;
    const metric = Number(metricText);
    if (best === null || metric < best.metric) best = { iface, metric };
  }
  return best?.iface ?? null;
}
