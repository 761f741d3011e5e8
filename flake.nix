# Cohabit as a flake: `nix run github:<owner>/cohabit` opens the app, `nix run ...#cli -- inventory`
# runs the command line, and a NixOS configuration installs it with two lines:
#   imports = [ cohabit.nixosModules.default ];
#   programs.cohabit.enable = true;
# The package builds from package-lock.json with nixpkgs' own electron and nodejs (no Electron
# download); see build/nix/package.nix.
{
  description = "Plan and apply extra NixOS systems and VFIO virtual machines on one ZFS pool";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      # Cohabit drives ZFS, GRUB and VFIO on Linux; electron-builder's .deb targets the same two.
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: rec {
        cohabit = pkgs.callPackage ./build/nix/package.nix { };
        default = cohabit;
      });

      apps = forAllSystems (
        pkgs:
        let
          cohabit = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        in
        {
          default = {
            type = "app";
            program = "${cohabit}/bin/cohabit-desktop";
            meta.description = "Open the Cohabit desktop app";
          };
          cli = {
            type = "app";
            program = "${cohabit}/bin/cohabit";
            meta.description = "The cohabit command line";
          };
        }
      );

      nixosModules.default =
        { pkgs, ... }:
        {
          imports = [ ./build/nix/module.nix ];
          programs.cohabit.package =
            lib.mkDefault
              self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        };

      # `nix flake check`: the package builds, and its tree holds what pkexec and users rely on
      # (build/nix/check.nix; build/nix-eval.spec.ts checks the same without a Nix store).
      checks = forAllSystems (
        pkgs:
        let
          cohabit = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        in
        {
          package = cohabit;
          installed-tree = pkgs.callPackage ./build/nix/check.nix { inherit cohabit; };
        }
      );
    };
}
