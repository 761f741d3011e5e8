# The source the Nix package builds from: only what `npm ci` and `npm run build` read, so a local
# checkout's node_modules/, dist/, release/, .git and editor files never reach the store (and
# editing a test, a doc or the README does not rebuild the package).
#
# lib.cleanSourceWith with an allow-list filter, not lib.fileset: the fileset functions need
# builtins.readFileType (Nix 2.14), and build/nix-eval.spec.ts proves this filter by evaluating it
# with the real nixpkgs lib under Debian's Nix 2.8. The allow-list is what a fileset union of the
# same paths would be (docs/decisions.md).
{ lib }:

let
  root = ../..;
  # Files at the top of the checkout that the build reads.
  topFiles = [
    "package.json"
    "package-lock.json"
    "tsconfig.json"
    "vite.config.ts"
    "LICENSE"
  ];
  # Directories whose files the build reads (specs left out below).
  topDirs = [
    "bin"
    "build"
    "electron"
    "renderer"
    "shared"
  ];
  filter =
    path: type:
    let
      relative = lib.removePrefix (toString root + "/") (toString path);
      parts = lib.splitString "/" relative;
      top = builtins.head parts;
      name = baseNameOf relative;
    in
    if builtins.length parts == 1 then
      (type == "directory" && builtins.elem top topDirs) || (type == "regular" && builtins.elem top topFiles)
    else
      # Inside the allowed directories: no tests, no build outputs, nothing hidden, no symlinks
      # (a link could reach outside the checkout).
      type != "symlink"
      && !(lib.hasPrefix "." name)
      && !(lib.hasSuffix ".spec.ts" name)
      && !(builtins.elem name [
        "node_modules"
        "dist"
        "release"
        "result"
      ]);
in
lib.cleanSourceWith {
  src = root;
  inherit filter;
  name = "cohabit-source";
}
