// Fuzz: the origin parsers take mutated real samples and random text without throwing anything but
// their typed error.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  FUZZ_RUNS,
  mutatedText,
  returnsOrThrowsParseError,
} from '../../test/fixtures/system/fuzz-helpers';
import { parseFindPrintf, parseNixosVersionJson, parseRegistryNixpkgsPath } from './nixos-origin';
import {
  FLAKE_WITHOUT_REVISION,
  FLAKE_WITH_REVISION,
  REGISTRY_CHANNEL_BUILT,
  REGISTRY_FLAKE_BUILT,
} from '../../test/fixtures/system/nixos-origin-samples';

const FIND =
  '1795641185.0000000000\t/etc/nixos/configuration.nix\0' +
  '1772446500.0000000000\t/etc/nixos/hardware-configuration.nix\0';

describe('origin parsers fuzz', () => {
  it('return or throw ParseError on mutated samples', () => {
    fc.assert(
      fc.property(
        mutatedText([
          FLAKE_WITH_REVISION,
          FLAKE_WITHOUT_REVISION,
          REGISTRY_FLAKE_BUILT,
          REGISTRY_CHANNEL_BUILT,
          FIND,
        ]),
        (text) =>
          returnsOrThrowsParseError(() => parseNixosVersionJson(text)) &&
          returnsOrThrowsParseError(() => parseRegistryNixpkgsPath(text)) &&
          returnsOrThrowsParseError(() => parseFindPrintf(text, 1, 'find')) &&
          returnsOrThrowsParseError(() => parseFindPrintf(text, 2, 'find')),
      ),
      FUZZ_RUNS,
    );
  });

  it('return or throw ParseError on any JSON value', () => {
    fc.assert(
      fc.property(
        fc.json(),
        (text) =>
          returnsOrThrowsParseError(() => parseNixosVersionJson(text)) &&
          returnsOrThrowsParseError(() => parseRegistryNixpkgsPath(text)),
      ),
      FUZZ_RUNS,
    );
  });
});
