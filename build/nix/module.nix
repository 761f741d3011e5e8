# NixOS module: `programs.cohabit.enable = true;` installs Cohabit (the desktop app, the `cohabit`
# command and its man page) and its polkit action, so applying a plan asks for an administrator
# password through the desktop's polkit agent. The flake's nixosModules.default is this module
# with the flake's own package as the default.
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
    # helper's store path ($out/lib/cohabit/helper/cohabit-helper); polkitd reads actions from
    # the system profile's share/polkit-1, which pathsToLink puts there (nixos/modules/security/
    # polkit.nix links it too; saying it here keeps the module right on its own).
    environment.systemPackages = [ cfg.package ];
    environment.pathsToLink = [ "/share/polkit-1" ];
    # pkexec (its setuid wrapper in /run/wrappers/bin) comes with polkit.
    security.polkit.enable = true;
  };
}
