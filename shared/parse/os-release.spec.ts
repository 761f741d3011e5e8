// os-release parsing on NixOS and Debian files and on the quoting rules of os-release(5).
import { describe, it, expect } from 'vitest';
import { parseOsRelease } from './os-release';
import { ParseError } from '../model/errors';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';

describe('parseOsRelease on real files', () => {
  it('reads NixOS 25.11, quoted and unquoted values alike', () => {
    const os = parseOsRelease(readSystemFixture('os-release-nixos-25.11.txt'));
    expect(os.ID).toBe('nixos');
    expect(os.NAME).toBe('NixOS');
    expect(os.VERSION_ID).toBe('25.11');
    expect(os.PRETTY_NAME).toBe('NixOS 25.11 (Xantusia)');
    expect(os.BUILD_ID).toBe('25.11.20251002.7df7ff7');
    expect(os.ID_LIKE).toBe('');
    expect(Object.keys(os)).toHaveLength(22);
  });

  it('reads Debian 12', () => {
    const os = parseOsRelease(readSystemFixture('os-release-debian.txt'));
    expect(os).toMatchObject({
      ID: 'debian',
      VERSION_ID: '12',
      VERSION_CODENAME: 'bookworm',
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
    });
  });
});

describe('parseOsRelease quoting (synthetic)', () => {
  it('undoes the four backslash escapes of double quotes and keeps other backslashes', () => {
    const os = parseOsRelease('NAME="a \\"b\\" \\$c \\\\ \\`d\\` \\n"\n');
    expect(os.NAME).toBe('a "b" $c \\ `d` \\n');
  });

  it('takes single-quoted values literally', () => {
    expect(parseOsRelease('X=\'a \\ "b"\'').X).toBe('a \\ "b"');
  });

  it('skips comments and blank lines, and the last assignment wins', () => {
    expect(parseOsRelease('# comment\n\n  ID=first\nID=second\r\n')).toEqual({ ID: 'second' });
  });

  it('rejects broken lines with their line number', () => {
    expect(() => parseOsRelease('ID=nixos\nNAME="NixOS')).toThrow(ParseError);
    expect(() => parseOsRelease('ID=nixos\nNAME="NixOS')).toThrow(/line 2/);
    expect(() => parseOsRelease('just words')).toThrow(ParseError);
    expect(() => parseOsRelease('1ID=x')).toThrow(ParseError);
    expect(() => parseOsRelease('ID="a"b')).toThrow(ParseError);
  });
});
