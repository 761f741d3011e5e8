// Evaluates the Nix package, the NixOS module and the flake with the real nixpkgs lib (the vendored
// tarball, ../shared/vendor/) and stand-in builders that record what they are given, under
// Debian's nix-instantiate 2.8 (no Nix store: nothing is built or copied). Used by
// build/nix-eval.spec.ts, which then runs the evaluated installPhase.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The NixOS options module.nix sets, declared as nixpkgs declares them. */
const OPTION_DECLARATIONS = `
  { lib, ... }: {
    # nixos/modules/config/system-path.nix, NixOS/nixpkgs@0354e8b747c8d69802d160ff408d1aece50472c9
    options.environment.systemPackages = lib.mkOption {
      type = lib.types.listOf lib.types.package;
      default = [ ];
    };
    options.environment.pathsToLink = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
    };
    # nixos/modules/security/polkit.nix, NixOS/nixpkgs@4f58def5e6e99ff0f142f9d3c947312f802a4f6a
    options.security.polkit.enable = lib.mkEnableOption "polkit";
  }`;

/**
 * The stand-ins: derivations are attribute sets with a type and an outPath (electron and nodejs
 * point at directories the spec fills), importNpmLock records its npmRoot, buildNpmPackage returns
 * its arguments with `out` as its output path, runCommand returns its script.
 */
function fakesNix(paths: { out: string; electron: string; node: string }): string {
  return `
  { lib, system }:
  let
    drv = name: outPath: attrs: { type = "derivation"; inherit name outPath; } // attrs;
    self = {
      inherit lib;
      stdenv.hostPlatform.system = system;
      electron = drv "electron" ${JSON.stringify(paths.electron)} { meta.mainProgram = "electron"; };
      nodejs = drv "nodejs" ${JSON.stringify(paths.node)} { meta.mainProgram = "node"; };
      makeWrapper = drv "make-wrapper-hook" "/stand-in/make-wrapper" { };
      desktop-file-utils = drv "desktop-file-utils" "/stand-in/desktop-file-utils" { };
      libxml2 = drv "libxml2" "/stand-in/libxml2" { };
      importNpmLock = {
        __functor = _: args: {
          npmRoot = toString args.npmRoot.origSrc;
          filtered = args.npmRoot ? _isLibCleanSourceWith;
        };
        npmConfigHook = drv "npm-config-hook" "/stand-in/npm-config-hook" { };
      };
      buildNpmPackage = args: args // {
        type = "derivation";
        name = "\${args.pname}-\${args.version}";
        outPath = ${JSON.stringify(paths.out)};
      };
      runCommand = name: env: buildCommand: { inherit name env buildCommand; };
      callPackage = lib.callPackageWith self;
    };
  in
  self`;
}

/** The expression whose value (as JSON) the spec checks. */
function evalNix(root: string, lib: string, fakes: string): string {
  return `
  let
    lib = import ${lib};
    fakesFor = system: import ${fakes} { inherit lib system; };
    fakes = fakesFor "x86_64-linux";
    pkg = fakes.callPackage ${root}/build/nix/package.nix { };

    # What builtins.path copies into the store: the filter sees each entry's absolute path and
    # type, and a directory it refuses is not entered.
    walk = src:
      let
        go = dir: rel: lib.concatLists (lib.mapAttrsToList (name: type:
          let
            path = dir + "/\${name}";
            r = if rel == "" then name else "\${rel}/\${name}";
          in
          if !(src.filter (toString path) type) then [ ]
          else if type == "directory" then go path r
          else [ r ]) (builtins.readDir dir));
      in go src.origSrc "";

    evalModule = modules: (lib.evalModules {
      modules = [ (${OPTION_DECLARATIONS}) { _module.args.pkgs = fakes; } ] ++ modules;
    }).config;
    summary = config: {
      systemPackages = map (p: p.outPath) config.environment.systemPackages;
      pathsToLink = config.environment.pathsToLink;
      polkit = config.security.polkit.enable;
    };

    flake =
      let
        outputs = (import ${root}/flake.nix).outputs {
          self = outputs;
          nixpkgs = {
            inherit lib;
            legacyPackages = lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] fakesFor;
          };
        };
      in
      outputs;
  in
  {
    package = {
      inherit (pkg) pname version installPhase npmBuildScript env npmDeps;
      nodejs = pkg.nodejs.name;
      npmConfigHook = pkg.npmConfigHook.name;
      nativeBuildInputs = map (d: d.name) pkg.nativeBuildInputs;
      mainProgram = pkg.meta.mainProgram;
      license = pkg.meta.license.spdxId;
      linux = builtins.all (s: builtins.elem s pkg.meta.platforms) [ "x86_64-linux" "aarch64-linux" ];
      sourceName = pkg.src.name;
      source = walk pkg.src;
      # Whatever a checkout holds at the moment: what the filter says of outputs and caches.
      keptOutputs = builtins.filter (p: pkg.src.filter "\${toString pkg.src.origSrc}/\${p}" "directory") [
        "node_modules" "dist" "release" "result" ".git" "test" "docs" "electron/node_modules" "renderer/dist"
      ];
    };
    module = {
      enabled = summary (evalModule [ ${root}/build/nix/module.nix { programs.cohabit.enable = true; } ]);
      disabled = summary (evalModule [ ${root}/build/nix/module.nix ]);
      fromFlake = summary (evalModule [ flake.nixosModules.default { programs.cohabit.enable = true; } ]);
    };
    flake = {
      description = (import ${root}/flake.nix).description;
      packages = lib.mapAttrs (_: lib.mapAttrs (_: p: p.name)) flake.packages;
      apps = lib.mapAttrs (_: lib.mapAttrs (_: a: { inherit (a) type program; })) flake.apps;
      checks = lib.mapAttrs (_: builtins.attrNames) flake.checks;
      installedTreeCheck = flake.checks.x86_64-linux.installed-tree.buildCommand;
    };
  }`;
}

export interface NixEvaluation {
  package: {
    pname: string;
    version: string;
    installPhase: string;
    npmBuildScript: string;
    env: Record<string, string>;
    npmDeps: { npmRoot: string; filtered: boolean };
    nodejs: string;
    npmConfigHook: string;
    nativeBuildInputs: string[];
    mainProgram: string;
    license: string;
    linux: boolean;
    sourceName: string;
    source: string[];
    /** Directories the filter would keep that it must not (so: none). */
    keptOutputs: string[];
  };
  module: Record<
    'enabled' | 'disabled' | 'fromFlake',
    { systemPackages: string[]; pathsToLink: string[]; polkit: boolean }
  >;
  flake: {
    description: string;
    packages: Record<string, Record<string, string>>;
    apps: Record<string, Record<string, { type: string; program: string }>>;
    checks: Record<string, string[]>;
    installedTreeCheck: string;
  };
}

export interface Harness {
  /** Where the package's $out is (the stand-in buildNpmPackage's outPath). */
  out: string;
  /** The stand-in electron: prints its arguments, one a line. */
  electron: string;
  evaluation: NixEvaluation;
}

/** Unpacks nothing itself: `lib` is the unpacked nixpkgs lib directory (…/nixpkgs-lib/lib). */
export async function evaluateNix(root: string, lib: string, work: string): Promise<Harness> {
  const out = join(work, 'out');
  const electron = join(work, 'fake-electron');
  const node = join(work, 'fake-node');
  await mkdir(join(electron, 'bin'), { recursive: true });
  await writeFile(join(electron, 'bin/electron'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
  await chmod(join(electron, 'bin/electron'), 0o755);
  await mkdir(join(node, 'bin'), { recursive: true });
  await symlink(process.execPath, join(node, 'bin/node'));
  const fakes = join(work, 'fakes.nix');
  await writeFile(fakes, fakesNix({ out, electron, node }));
  const expression = join(work, 'eval.nix');
  await writeFile(expression, evalNix(root, lib, fakes));
  const json = execFileSync(
    'nix-instantiate',
    ['--eval', '--strict', '--json', '--readonly-mode', expression],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 },
  );
  return { out, electron, evaluation: JSON.parse(json) as NixEvaluation };
}

/**
 * The shell functions the installPhase calls, standing in for stdenv's and makeWrapper's
 * (build/nix/stand-ins.sh).
 */
export const STAND_INS = join(dirname(fileURLToPath(import.meta.url)), 'stand-ins.sh');
