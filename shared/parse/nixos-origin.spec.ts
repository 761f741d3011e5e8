// The origin parsers on what real machines print: `nixos-version --json` from a flake-built system
// with and without a configuration revision, /etc/nix/registry.json as NixOS writes it, and GNU
// find's -printf records. Sources are named beside each sample.
import { describe, expect, it } from 'vitest';
import { ParseError } from '../model/errors';
import {
  isStorePath,
  parseFindPrintf,
  parseNixosVersionJson,
  parseRegistryNixpkgsPath,
} from './nixos-origin';
import {
  FLAKE_WITHOUT_REVISION,
  FLAKE_WITH_REVISION,
  REGISTRY_CHANNEL_BUILT,
  REGISTRY_FLAKE_BUILT,
} from '../../test/fixtures/system/nixos-origin-samples';

describe('nixos-version --json', () => {
  it('reads the configuration revision a flake records', () => {
    expect(parseNixosVersionJson(FLAKE_WITH_REVISION)).toEqual({
      nixosVersion: '20.03.20200622.13c15f2',
      nixpkgsRevision: '13c15f26d44cf7f54197891a6f0c78ce8149b037',
      configurationRevision: '9190c396f4dcfc734e554768c53a81d1c231c6a7',
    });
  });

  it('gives null for what the system does not record', () => {
    expect(parseNixosVersionJson(FLAKE_WITHOUT_REVISION).configurationRevision).toBeNull();
    expect(parseNixosVersionJson('{"nixosVersion":"25.11pre-git"}\n').nixpkgsRevision).toBeNull();
  });

  it('refuses what is not its shape', () => {
    expect(() => parseNixosVersionJson('25.11.4207.3c2c4d8a1b9e (Xantusia)\n')).toThrow(ParseError);
    expect(() => parseNixosVersionJson('{"nixpkgsRevision":"abc"}')).toThrow(ParseError);
    expect(() => parseNixosVersionJson('{"nixosVersion":2511}')).toThrow(ParseError);
  });
});

describe('/etc/nix/registry.json', () => {
  it('finds nixpkgs pinned to a store path on a flake-built system', () => {
    expect(parseRegistryNixpkgsPath(REGISTRY_FLAKE_BUILT)).toBe(
      '/nix/store/3k5m7p9r1s3v5x7z9b1d3f5h7j9l1n3q-source',
    );
  });

  it('finds none on a channel system, nor for a registry entry pointing at GitHub', () => {
    expect(parseRegistryNixpkgsPath(REGISTRY_CHANNEL_BUILT)).toBeNull();
    expect(
      parseRegistryNixpkgsPath(
        '{"flakes":[{"exact":true,"from":{"id":"nixpkgs","type":"indirect"},"to":{"owner":"NixOS","repo":"nixpkgs","type":"github"}}],"version":2}',
      ),
    ).toBeNull();
  });
});

describe('find -printf records', () => {
  it('keeps a name with a tab or a newline whole', () => {
    expect(
      parseFindPrintf(
        '1795641185.2346917520\t/etc/nixos/a\tb.nix\0' +
          '1772446500.0000000000\t/etc/nixos/new\nline.nix\0',
        1,
        'find',
      ),
    ).toEqual([
      { modifiedAt: Number('1795641185.2346917520'), fields: ['/etc/nixos/a\tb.nix'] },
      { modifiedAt: 1772446500, fields: ['/etc/nixos/new\nline.nix'] },
    ]);
    expect(parseFindPrintf('', 1, 'find')).toEqual([]);
  });

  it('splits the generation records: name and link target', () => {
    expect(
      parseFindPrintf(
        '1795197851.0000000000\tsystem-42-link\t/nix/store/c4d6f8h0j2l4n6p8r0s2v4x6z8b0d2f4-nixos-system-atlas-25.11\0',
        2,
        'find',
      )[0]?.fields,
    ).toEqual([
      'system-42-link',
      '/nix/store/c4d6f8h0j2l4n6p8r0s2v4x6z8b0d2f4-nixos-system-atlas-25.11',
    ]);
  });

  it('refuses a cut record or a missing time', () => {
    expect(() => parseFindPrintf('1795197851.0\t/etc/nixos/x', 1, 'find')).toThrow(ParseError);
    expect(() => parseFindPrintf('/etc/nixos/x\0', 1, 'find')).toThrow(ParseError);
  });
});

it('tells a store path by its base-32 hash', () => {
  expect(isStorePath('/nix/store/c4d6f8h0j2l4n6p8r0s2v4x6z8b0d2f4-nixos-system-atlas-25.11')).toBe(
    true,
  );
  // "t" is not in Nix's base-32 alphabet.
  expect(isStorePath('/nix/store/c4d6f8h0j2l4n6p8r0t2v4x6z8b0d2f4-nixos-system-atlas-25.11')).toBe(
    false,
  );
  expect(isStorePath('/nix/store/c4d6f8h0j2l4n6p8r0s2v4x6z8b0d2f4-x/../../etc')).toBe(false);
});
