# Nix package of Cohabit: builds dist/ with npm from package-lock.json and wraps nixpkgs' electron
# around it, so no Electron binary is downloaded; also the `cohabit` command and the root helper on
# nixpkgs' node, the man page, the desktop entry, the icons and the polkit action bound to the
# helper's store path.
# Use: pkgs.callPackage ./build/nix/package.nix { }  (or the flake: packages.default)
#
# Layout, the same as the .deb's resources/ (electron-builder.yml), so the app finds its helper
# the same way in both (electron/helper/helper-location.ts):
#   $out/lib/cohabit/app/                 package.json (with cohabitHelper), dist/, bin/cohabit.mjs
#   $out/lib/cohabit/helper/cohabit-helper  the root helper, wrapped with the store's node
#   $out/bin/cohabit, $out/bin/cohabit-desktop, $out/share/{applications,icons,man,polkit-1}
{
  lib,
  callPackage,
  buildNpmPackage,
  importNpmLock,
  electron,
  nodejs,
  makeWrapper,
}:

let
  src = callPackage ./source.nix { };
in
buildNpmPackage {
  pname = "cohabit";
  version = (lib.importJSON ../../package.json).version;
  inherit src nodejs;

  # Dependencies straight from package-lock.json: no npmDepsHash to keep in step.
  npmDeps = importNpmLock { npmRoot = src; };
  npmConfigHook = importNpmLock.npmConfigHook;

  nativeBuildInputs = [ makeWrapper ];

  # The electron npm package is only needed for its types; its install script would download a
  # binary, which the sandbox forbids and nixpkgs' electron replaces.
  env.ELECTRON_SKIP_BINARY_DOWNLOAD = "1";

  # `npm run build`: the renderer, then main, preload, the CLI and the helper bundles
  # (build/vite.node.config.ts), then the man page from the CLI's own definitions.
  npmBuildScript = "build";

  installPhase = ''
    runHook preInstall

    app=$out/lib/cohabit/app
    helper=$out/lib/cohabit/helper/cohabit-helper
    mkdir -p $app/bin $out/bin $(dirname $helper)
    cp -r dist $app/
    cp bin/cohabit.mjs bin/cli-freshness.mjs $app/bin/
    # package.json plus the helper's place, which the app reads to find it (never from PATH).
    node build/installed-package-json.mjs package.json $app/package.json ../helper/cohabit-helper

    # pkexec starts the helper with an empty environment and a fixed PATH: the wrapper names the
    # store's node by its absolute path.
    makeWrapper ${lib.getExe nodejs} $helper --add-flags $app/dist/helper/cohabit-helper

    # The app directory, not main.cjs: Electron then reads package.json and names the app
    # "cohabit" (window class, ~/.config/cohabit) instead of "Electron".
    makeWrapper ${lib.getExe electron} $out/bin/cohabit-desktop \
      --add-flags $app \
      --add-flags "\''${NIXOS_OZONE_WL:+\''${WAYLAND_DISPLAY:+--ozone-platform-hint=auto}}"

    # bin/cohabit.mjs runs the bundled dist/cli.mjs when the TypeScript sources are absent.
    makeWrapper ${lib.getExe nodejs} $out/bin/cohabit --add-flags $app/bin/cohabit.mjs

    install -Dm644 dist/man/cohabit.1 $out/share/man/man1/cohabit.1
    install -Dm644 build/cohabit.desktop $out/share/applications/cohabit.desktop
    install -Dm644 build/icons/cohabit.svg $out/share/icons/hicolor/scalable/apps/cohabit.svg
    for size in 16 24 32 48 64 128 256 512; do
      install -Dm644 build/icons/''${size}x''${size}.png \
        $out/share/icons/hicolor/''${size}x''${size}/apps/cohabit.png
    done

    # The polkit action, bound to this package's helper.
    install -Dm644 build/polkit/org.cohabit.helper.policy \
      $out/share/polkit-1/actions/org.cohabit.helper.policy
    substituteInPlace $out/share/polkit-1/actions/org.cohabit.helper.policy \
      --replace-fail /opt/Cohabit/resources/helper/cohabit-helper $helper

    runHook postInstall
  '';

  meta = {
    description = "Plan and apply extra NixOS systems and VFIO virtual machines on one ZFS pool";
    license = lib.licenses.gpl3Plus;
    mainProgram = "cohabit";
    platforms = lib.platforms.linux;
  };
}
