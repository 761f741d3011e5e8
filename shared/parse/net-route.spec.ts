// The default route's interface from /proc/net/route.
import { describe, it, expect } from 'vitest';
import { parseDefaultRouteInterface } from './net-route';
import { ParseError } from '../model/errors';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';

const HEADER =
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';

describe('parseDefaultRouteInterface', () => {
  it('finds the default route of a real desktop', () => {
    expect(parseDefaultRouteInterface(readSystemFixture('net-route-enp4s0.txt'))).toBe('enp4s0');
  });

  it('picks the lowest metric when Wi-Fi and Ethernet both have a default route (synthetic)', () => {
    const text =
      HEADER +
      'wlan0\t00000000\t0102A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n' +
      'eth0\t00000000\t01001EAC\t0003\t0\t0\t100\t00000000\t0\t0\t0\n' +
      'eth0\t00001EAC\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n';
    expect(parseDefaultRouteInterface(text)).toBe('eth0');
  });

  it('ignores default routes that are not up, and answers null without one (synthetic)', () => {
    expect(
      parseDefaultRouteInterface(
        HEADER + 'eth1\t00000000\t0100A8C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n',
      ),
    ).toBeNull();
    expect(parseDefaultRouteInterface(HEADER)).toBeNull();
    expect(parseDefaultRouteInterface('')).toBeNull();
  });

  it('rejects text that is not a route table', () => {
    expect(() => parseDefaultRouteInterface('eth0 00000000\n')).toThrow(ParseError);
    expect(() => parseDefaultRouteInterface(HEADER + 'eth0\tnothex\n')).toThrow(/line 2/);
  });
});
