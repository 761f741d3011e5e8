# NixOS module (draft): `programs.cohabit.enable = true;` installs Cohabit (the desktop app and
# the `cohabit` command) and its polkit action, so applying a plan asks for a password once.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  cfg = config.programs.cohabit;
in
{
  options.programs.cohabit = {
    enable = lib.mkEnableOption "Cohabit, which plans NixOS systems and VFIO virtual machines on one ZFS pool";

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ./package.nix { };
      defaultText = lib.literalExpression "pkgs.callPackage ./build/nix/package.nix { }";
      description = "The Cohabit package to install.";
    };
  };

  config = lib.mkIf cfg.enable {
    # The package carries share/polkit-1/actions/org.cohabit.helper.policy, bound to its own
    # helper's store path; polkit reads it from the system profile.
    environment.systemPackages = [ cfg.package ];
    environment.pathsToLink = [ "/share/polkit-1" ];
    security.polkit.enable = true;
  };
}
