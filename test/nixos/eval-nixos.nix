# Evaluates a NixOS configuration the way nixos-rebuild would evaluate it, with nixpkgs' real
# lib.evalModules and the option declarations in nixos-options.nix, for one release; and each of
# its specialisations as the parent extended by the specialisation's module (what
# nixos/modules/system/activation/specialisation.nix does with inheritParentConfig = true).
#
# Returns, per evaluation, the failed assertions, the warnings, the kernel parameters and initrd
# modules with their duplicates, and the whole configuration forced to JSON (so a definition of
# an option nobody declared fails here instead of passing unseen).
{ lib, release, configuration }:
let
  nixLib = import (lib + "/lib");
  declarations = import ./nixos-options.nix;
  # Options that only exist to fail when defined; forcing them would throw their own message.
  removed = [
    [ "virtualisation" "libvirtd" "qemu" "ovmf" ]
    [ "boot" "loader" "grub" "extraInitrd" ]
  ];
  pkgs = { };
  baseModules = declarations ++ [
    { system.nixos.release = release; _module.args.pkgs = pkgs; }
  ];
  evaluate = extra: nixLib.evalModules { modules = baseModules ++ [ configuration ] ++ extra; };
  duplicates = list: nixLib.unique (builtins.filter (x: nixLib.count (y: y == x) list > 1) list);
  forceAll = path: value:
    if builtins.isAttrs value && !(value ? _type) then
      builtins.mapAttrs (name: v:
        if builtins.elem (path ++ [ name ]) removed then null else forceAll (path ++ [ name ]) v
      ) value
    else if builtins.isList value then map (forceAll path) value
    else value;
  summary = evaluation:
    let config = evaluation.config; in {
      failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
      warnings = config.warnings;
      kernelParams = config.boot.kernelParams;
      duplicateKernelParams = duplicates config.boot.kernelParams;
      initrdKernelModules = config.boot.initrd.kernelModules;
      duplicateInitrdKernelModules = duplicates config.boot.initrd.kernelModules;
      systemdInitrd = config.boot.initrd.systemd.enable;
      forceImportRoot = config.boot.zfs.forceImportRoot;
      stateVersion = config.system.stateVersion;
      config = forceAll [ ] (builtins.removeAttrs config [ "_module" "specialisation" ]);
    };
  parent = evaluate [ ];
in
summary parent // {
  specialisations = builtins.mapAttrs
    (name: spec: summary (evaluate [ spec.configuration ]))
    parent.config.specialisation;
}
