// Runs test/nixos/eval-nixos.nix: a directory of NixOS configuration files evaluated with nixpkgs'
// real lib.evalModules (unpacked from ../shared/vendor, as CI lays it out) for one release.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
/** The vendored nixpkgs lib: ../shared/vendor beside the checkout (see its README.md). */
export const NIXPKGS_LIB_TARBALL = resolve(REPO, '../shared/vendor/nixpkgs-lib-de42d442.tar.gz');
const EVAL_NIX = join(HERE, 'eval-nixos.nix');

export const RELEASES = ['25.11', '26.05', '26.11'] as const;
export type Release = (typeof RELEASES)[number];

export interface EvalSummary {
  failedAssertions: string[];
  warnings: string[];
  kernelParams: string[];
  duplicateKernelParams: string[];
  initrdKernelModules: string[];
  duplicateInitrdKernelModules: string[];
  systemdInitrd: boolean;
  forceImportRoot: boolean;
  stateVersion: string;
  config: Record<string, unknown>;
}
export interface EvalResult extends EvalSummary {
  specialisations: Record<string, EvalSummary>;
}

function exec(command: string, args: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, HOME: tmpdir() }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')} failed:\n${stderr}`));
        else resolvePromise(stdout);
      },
    );
  });
}

/** A scratch directory holding the unpacked nixpkgs lib; `dispose` removes it. */
export class NixosEvaluator {
  private counter = 0;
  private constructor(
    readonly dir: string,
    readonly libDir: string,
  ) {}

  static async create(): Promise<NixosEvaluator> {
    if (!existsSync(NIXPKGS_LIB_TARBALL))
      throw new Error(`${NIXPKGS_LIB_TARBALL} is missing: the vendored nixpkgs lib is needed`);
    const dir = mkdtempSync(join(tmpdir(), 'cohabit-nixos-eval-'));
    await exec('tar', ['-xzf', NIXPKGS_LIB_TARBALL, '-C', dir]);
    return new NixosEvaluator(dir, join(dir, 'nixpkgs-lib'));
  }

  /** Writes `files` (name -> text) into a fresh directory and evaluates its `entry` file. */
  async evaluate(
    files: Record<string, string>,
    release: Release,
    entry = 'configuration.nix',
  ): Promise<EvalResult> {
    const configDir = join(this.dir, `config-${this.counter++}`);
    mkdirSync(configDir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(configDir, name), text);
    const out = await exec('nix-instantiate', [
      '--store',
      'dummy://',
      '--eval',
      '--strict',
      '--json',
      EVAL_NIX,
      '--arg',
      'lib',
      this.libDir,
      '--argstr',
      'release',
      release,
      '--arg',
      'configuration',
      join(configDir, entry),
    ]);
    return JSON.parse(out) as EvalResult;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What a clean evaluation shows: the parts a test compares against "nothing wrong". */
export function problems(result: EvalSummary): {
  failedAssertions: string[];
  warnings: string[];
  duplicateKernelParams: string[];
  duplicateInitrdKernelModules: string[];
} {
  return {
    failedAssertions: result.failedAssertions,
    warnings: result.warnings,
    duplicateKernelParams: result.duplicateKernelParams,
    duplicateInitrdKernelModules: result.duplicateInitrdKernelModules,
  };
}

export const NO_PROBLEMS = {
  failedAssertions: [],
  warnings: [],
  duplicateKernelParams: [],
  duplicateInitrdKernelModules: [],
};
