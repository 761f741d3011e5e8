// /etc/hostid <-> networking.hostId. The bytes below are synthetic: the example of the task brief.
import { describe, it, expect } from 'vitest';
import { formatHostIdBytes, parseHostId } from './hostid';
import { ParseError } from '../model/errors';

describe('parseHostId', () => {
  it('reads the little-endian value as NixOS writes networking.hostId', () => {
    expect(parseHostId(new Uint8Array([0x30, 0xb8, 0xc7, 0x75]))).toBe('75c7b830');
    expect(parseHostId(new Uint8Array([0x00, 0x00, 0x00, 0x01]))).toBe('01000000');
  });

  it('rejects anything but 4 bytes', () => {
    expect(() => parseHostId(new Uint8Array([]))).toThrow(ParseError);
    expect(() => parseHostId(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/5/);
  });
});

describe('formatHostIdBytes', () => {
  it('writes the bytes back in host order', () => {
    expect([...formatHostIdBytes('75c7b830')]).toEqual([0x30, 0xb8, 0xc7, 0x75]);
    expect([...formatHostIdBytes('DEADBEEF')]).toEqual([0xef, 0xbe, 0xad, 0xde]);
  });

  it('rejects what is not 8 hex digits', () => {
    expect(() => formatHostIdBytes('75c7b83')).toThrow(ParseError);
    expect(() => formatHostIdBytes('75c7b83g')).toThrow(ParseError);
  });
});
