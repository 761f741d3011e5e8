# Nix package (draft) of Cohabit: builds dist/ with npm and wraps nixpkgs' electron around it, so no
# Electron binary is downloaded; also the `cohabit` command on Node, the desktop entry, the icons
# and the polkit action bound to the helper's store path.
# Use: pkgs.callPackage ./build/nix/package.nix { }
{
  lib,
  buildNpmPackage,
  importNpmLock,
  electron,
  nodejs,
  makeWrapper,
}:

let
  src = lib.cleanSource ../..;
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

  # `npm run build`: the renderer, then main, preload and the CLI bundles (build/vite.node.config.ts).
  npmBuildScript = "build";

  installPhase = ''
    runHook preInstall

    app=$out/lib/cohabit
    mkdir -p $app/bin $out/bin
    cp -r dist package.json $app/
    cp bin/cohabit.mjs $app/bin/

    # The app directory, not main.cjs: Electron then reads package.json and names the app
    # "cohabit" (window class, ~/.config/cohabit) instead of "Electron".
    makeWrapper ${lib.getExe electron} $out/bin/cohabit-desktop \
      --add-flags $app \
      --add-flags "\''${NIXOS_OZONE_WL:+\''${WAYLAND_DISPLAY:+--ozone-platform-hint=auto}}"

    # bin/cohabit.mjs runs the bundled dist/cli.mjs when the TypeScript sources are absent.
    makeWrapper ${lib.getExe nodejs} $out/bin/cohabit --add-flags $app/bin/cohabit.mjs

    install -Dm644 build/cohabit.desktop $out/share/applications/cohabit.desktop
    install -Dm644 build/icons/cohabit.svg $out/share/icons/hicolor/scalable/apps/cohabit.svg
    for size in 16 24 32 48 64 128 256 512; do
      install -Dm644 build/icons/''${size}x''${size}.png \
        $out/share/icons/hicolor/''${size}x''${size}/apps/cohabit.png
    done

    # The polkit action, bound to this package's helper (the helper comes with the Apply issue).
    install -Dm644 build/polkit/org.cohabit.helper.policy \
      $out/share/polkit-1/actions/org.cohabit.helper.policy
    substituteInPlace $out/share/polkit-1/actions/org.cohabit.helper.policy \
      --replace-fail /opt/Cohabit/resources/helper/cohabit-helper $app/helper/cohabit-helper

    runHook postInstall
  '';

  meta = {
    description = "Plan and apply extra NixOS systems and VFIO virtual machines on one ZFS pool";
    license = lib.licenses.gpl3Plus;
    mainProgram = "cohabit";
    platforms = lib.platforms.linux;
  };
}
