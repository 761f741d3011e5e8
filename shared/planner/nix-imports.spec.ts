// Checks the one edit Cohabit makes to a user's configuration.nix: one import added, or a refusal.
import { describe, expect, it } from 'vitest';
import { addImport } from './nix-imports';

// The imports line of nixos-generate-config's template (nixos/modules/installer/tools/tools.nix).
const GENERATED = `{ config, lib, pkgs, ... }:

{
  imports =
    [ # Include the results of the hardware scan.
      ./hardware-configuration.nix
    ];

  boot.loader.systemd-boot.enable = true;
}
`;

describe('addImport', () => {
  it("adds the item on a line of its own in nixos-generate-config's multi-line list", () => {
    const edit = addImport(GENERATED, './cohabit.nix');
    expect(edit).toEqual({
      kind: 'added',
      text: GENERATED.replace(
        '      ./hardware-configuration.nix\n',
        '      ./hardware-configuration.nix\n      ./cohabit.nix\n',
      ),
    });
  });

  it('adds it inside a one-line list', () => {
    const edit = addImport('{ imports = [ ./hardware-configuration.nix ]; }\n', './cohabit.nix');
    expect(edit).toEqual({
      kind: 'added',
      text: '{ imports = [ ./hardware-configuration.nix ./cohabit.nix ]; }\n',
    });
  });

  it('says present when the list already imports it', () => {
    expect(addImport('{ imports = [ ./a.nix ./cohabit.nix ]; }', './cohabit.nix')).toEqual({
      kind: 'present',
    });
  });

  it('refuses a file without a list, with two lists, or with a computed list', () => {
    expect(addImport('{ boot.isContainer = true; }', './cohabit.nix').kind).toBe('refused');
    expect(
      addImport('{ imports = [ ./a.nix ]; } // { imports = [ ./b.nix ]; }', './cohabit.nix').kind,
    ).toBe('refused');
    expect(addImport('{ imports = [ (import ./a.nix) ]; }', './cohabit.nix').kind).toBe('refused');
    expect(addImport('{ imports = [ "${./a}" ]; }', './cohabit.nix').kind).toBe('refused');
  });

  it('ignores a commented-out list', () => {
    const text = '{\n  # imports = [ ./old.nix ];\n  imports = [ ./a.nix ];\n}\n';
    expect(addImport(text, './cohabit.nix')).toEqual({
      kind: 'added',
      text: text.replace('[ ./a.nix ]', '[ ./a.nix ./cohabit.nix ]'),
    });
  });
});
