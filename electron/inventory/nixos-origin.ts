// Whether /etc/nixos is what built the running NixOS system (issue 18): evaluates its
// system.build.toplevel (evaluation only, nothing is built) and compares it with
// /run/current-system, and reads what else the machine records about the system's origin.
//
// Sources (nixpkgs): top-level.nix (01502f439c6a734621f212e450e7a6a9f35a0c5f) writes
// `nixos-version` into the system and links `configuration.nix` only with
// system.copySystemConfiguration; tools.nix (00630c27001d385ba16f70315dabc603f96d3d60) bakes the
// `nixos-version --json` answer into the script; nixpkgs-flake.nix and flake.nix
// (025640dcb7270faa6fe80089fda831b89f3824a9) pin nixpkgs in /etc/nix/registry.json for systems made
// by nixpkgs.lib.nixosSystem. Nothing on the machine records the path of the flake a system came
// from, so a flake elsewhere is recognised by those marks, not found.
import {
  isStorePath,
  parseFindPrintf,
  parseNixosVersionJson,
  parseRegistryNixpkgsPath,
} from '../../shared/parse/nixos-origin';
import { judgeNixosOrigin } from '../../shared/analysis/nixos-origin';
import type { Generation, OriginFacts, Read } from '../../shared/analysis/nixos-origin';
import { ParseError, errorMessage } from '../../shared/model/errors';
import { diagnostic, type Diagnostic } from '../../shared/model/diagnostic';
import type { Nixos } from '../../shared/model/inventory';
import type { NixosOrigin, OriginEvaluation } from '../../shared/model/nixos-origin';
import { HostError, describeArgv, readText } from '../host/host';
import type { Host } from '../host/host';
import { NIXOS_EVAL_TIMEOUT_MS, TOOL_TIMEOUT_MS } from './commands';
import type { ReadContext } from './read-context';

export const RUNNING_SYSTEM = '/run/current-system';
export const SYSTEM_PROFILE = '/nix/var/nix/profiles/system';
export const COPIED_CONFIGURATION = '/run/current-system/configuration.nix';
export const FLAKE_REGISTRY = '/etc/nix/registry.json';
export const NIXOS_VERSION_JSON_ARGV = ['nixos-version', '--json'] as const;

/** Every generation of the system profile: mtime, link name and target, NUL-terminated. */
export const PROFILE_GENERATIONS_ARGV = [
  'find',
  '/nix/var/nix/profiles',
  '-maxdepth',
  '1',
  '-name',
  'system-*-link',
  '-printf',
  '%T@\\t%f\\t%l\\0',
] as const;

/** Every file under /etc/nixos (followed if it is a link) with its mtime; .git is skipped. */
export const ETC_NIXOS_FILES_ARGV = [
  'find',
  '-H',
  '/etc/nixos',
  '-maxdepth',
  '6',
  '-name',
  '.git',
  '-prune',
  '-o',
  '-type',
  'f',
  '-printf',
  '%T@\\t%p\\0',
] as const;

/**
 * `nix-instantiate --eval` runs in read-only mode: the derivations are hashed, never written
 * (nix-instantiate.cc sets settings.readOnlyMode unless --read-write-mode; the manual says "Store
 * derivations are not serialized and written to the store, but instead just hashed and
 * discarded"). It is the expression nixos-rebuild builds for a channel system.
 */
export const TOPLEVEL_EVAL_CHANNELS_ARGV = [
  'nix-instantiate',
  '--eval',
  '--json',
  '--expr',
  '(import <nixpkgs/nixos> { }).config.system.build.toplevel.outPath',
] as const;

/**
 * The flake's toplevel, as `nixos-rebuild --flake /etc/nixos` would build it. `--read-only` keeps
 * the .drv files out of the store; fetching the flake still copies /etc/nixos into the store, as
 * every `nix` command on a flake does (seen with Nix 2.8). No lock file is written.
 */
export function toplevelEvalFlakeArgv(flakeDir: string, hostname: string): string[] {
  return [
    'nix',
    '--extra-experimental-features',
    'nix-command flakes',
    'eval',
    '--read-only',
    '--no-write-lock-file',
    '--json',
    `${flakeDir}#nixosConfigurations."${hostname}".config.system.build.toplevel.outPath`,
  ];
}

const HOSTNAME_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

function why(error: unknown, what: string): string {
  if (error instanceof HostError) {
    if (error.code === 'ENOENT') return `${what} does not exist`;
    if (error.code === 'EACCES') return `no permission to read ${what} without root`;
    return `${what} could not be read: ${error.message}`;
  }
  if (error instanceof ParseError) return `${what} could not be understood: ${error.message}`;
  return `${what} could not be read: ${errorMessage(error)}`;
}

async function attempt<T>(what: string, fn: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, why: why(error, what) };
  }
}

/** A store path the link points at, absolute (profile links are relative: `system-42-link`). */
async function resolveLink(host: Host, path: string, hops = 3): Promise<string> {
  let target = await host.readLink(path);
  if (!target.startsWith('/')) target = `${path.slice(0, path.lastIndexOf('/'))}/${target}`;
  if (isStorePath(target)) return target;
  if (hops === 0) throw new ParseError(path, 'too many links before the store');
  return resolveLink(host, target, hops - 1);
}

interface RunOutcome {
  stdout: string | null;
  failure: string | null;
  ms: number | null;
  exitCode: number | null;
}

async function runTimed(
  ctx: ReadContext,
  argv: readonly string[],
  timeoutMs: number,
): Promise<RunOutcome> {
  const started = performance.now();
  try {
    const r = await ctx.host.run(argv, {
      timeoutMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const ms = Math.round(performance.now() - started);
    if (r.exitCode === 0) return { stdout: r.stdout, failure: null, ms, exitCode: 0 };
    return { stdout: r.stdout, failure: explainFailure(argv, r.stderr), ms, exitCode: r.exitCode };
  } catch (error) {
    const ms = Math.round(performance.now() - started);
    if (error instanceof HostError && error.code === 'ENOENT')
      return {
        stdout: null,
        failure: `${argv[0] ?? ''} is not installed`,
        ms: null,
        exitCode: null,
      };
    if (error instanceof HostError && error.code === 'TIMEOUT')
      return {
        stdout: null,
        failure: `${describeArgv(argv.slice(0, 2))} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`,
        ms,
        exitCode: null,
      };
    return { stdout: null, failure: why(error, describeArgv(argv)), ms, exitCode: null };
  }
}

/** Nix's own words, reduced to the reason a user can act on. */
function explainFailure(argv: readonly string[], stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('warning:'));
  const error = lines.find((l) => l.startsWith('error:')) ?? lines[lines.length - 1] ?? '';
  if (
    /could not set permissions|cannot connect to socket|daemon-socket|Permission denied/i.test(
      stderr,
    )
  )
    return `${argv[0] ?? ''} could not open the Nix store: not root and no Nix daemon to ask (${error})`;
  return `${argv[0] ?? ''} failed: ${error || 'no message'}`;
}

async function evaluate(
  ctx: ReadContext,
  configuration: string,
  argv: readonly string[],
): Promise<OriginEvaluation> {
  const r = await runTimed(ctx, argv, NIXOS_EVAL_TIMEOUT_MS);
  let outPath: string | null = null;
  let failure = r.failure;
  if (r.stdout !== null && r.failure === null) {
    let value: unknown;
    try {
      value = JSON.parse(r.stdout);
    } catch {
      value = undefined;
    }
    if (typeof value === 'string' && isStorePath(value)) outPath = value;
    else failure = `${argv[0] ?? ''} answered something that is not a store path`;
  }
  return { configuration, argv: [...argv], outPath, failure, ms: r.ms };
}

async function readGenerations(ctx: ReadContext): Promise<Read<Generation[]>> {
  const r = await runTimed(ctx, PROFILE_GENERATIONS_ARGV, TOOL_TIMEOUT_MS);
  if (r.stdout === null || r.failure !== null)
    return {
      ok: false,
      why: `the system profile's generations could not be listed: ${r.failure ?? ''}`,
    };
  try {
    const records = parseFindPrintf(r.stdout, 2, 'find /nix/var/nix/profiles');
    return {
      ok: true,
      value: records.map((rec) => ({
        name: rec.fields[0] ?? '',
        target: rec.fields[1] ?? '',
        registeredAt: rec.modifiedAt,
      })),
    };
  } catch (error) {
    return { ok: false, why: why(error, 'the list of generations') };
  }
}

async function readEtcNixosFiles(
  ctx: ReadContext,
): Promise<Read<{ files: { path: string; modifiedAt: number }[]; partial: boolean }>> {
  const r = await runTimed(ctx, ETC_NIXOS_FILES_ARGV, TOOL_TIMEOUT_MS);
  // find exits 1 when a directory could not be read, and still lists the rest.
  if (r.stdout === null || (r.exitCode !== 0 && r.exitCode !== 1))
    return { ok: false, why: `the files under /etc/nixos could not be listed: ${r.failure ?? ''}` };
  try {
    const files = parseFindPrintf(r.stdout, 1, 'find /etc/nixos').map((rec) => ({
      path: rec.fields[0] ?? '',
      modifiedAt: rec.modifiedAt,
    }));
    return { ok: true, value: { files, partial: r.exitCode === 1 } };
  } catch (error) {
    return { ok: false, why: why(error, 'the list of files under /etc/nixos') };
  }
}

/** The configuration a rebuild reads, and the command that evaluates its toplevel. */
function whatToEvaluate(
  hasFlake: boolean,
  hasConfiguration: boolean,
  hostname: string | null,
):
  | { path: string | null; configuration: string; argv: readonly string[] }
  | { path: string | null; failure: string } {
  if (hasFlake) {
    if (hostname === null || !HOSTNAME_RE.test(hostname))
      return {
        path: '/etc/nixos/flake.nix',
        failure: 'the host name is unknown, so the flake output to evaluate is too',
      };
    return {
      path: '/etc/nixos/flake.nix',
      configuration: `/etc/nixos#nixosConfigurations."${hostname}"`,
      argv: toplevelEvalFlakeArgv('/etc/nixos', hostname),
    };
  }
  if (hasConfiguration)
    return {
      path: '/etc/nixos/configuration.nix',
      configuration: '/etc/nixos/configuration.nix',
      argv: TOPLEVEL_EVAL_CHANNELS_ARGV,
    };
  return { path: null, failure: 'there is neither configuration.nix nor flake.nix in /etc/nixos' };
}

export async function readNixosOrigin(
  ctx: ReadContext,
  hostname: string | null,
): Promise<NixosOrigin> {
  const host = ctx.host;
  const [hasFlake, hasConfiguration] = await Promise.all([
    ctx.exists('/etc/nixos/flake.nix'),
    ctx.exists('/etc/nixos/configuration.nix'),
  ]);
  const target = whatToEvaluate(hasFlake, hasConfiguration, hostname);
  const [running, nextBoot, generations, evaluation, version, registryNixpkgs, files, copied] =
    await Promise.all([
      attempt(RUNNING_SYSTEM, () => resolveLink(host, RUNNING_SYSTEM)),
      attempt(SYSTEM_PROFILE, () => resolveLink(host, SYSTEM_PROFILE)),
      readGenerations(ctx),
      'argv' in target
        ? evaluate(ctx, target.configuration, target.argv)
        : Promise.resolve(
            target.path === null
              ? null
              : {
                  configuration: target.path,
                  argv: [],
                  outPath: null,
                  failure: target.failure,
                  ms: null,
                },
          ),
      (async (): Promise<OriginFacts['version']> => {
        const r = await runTimed(ctx, NIXOS_VERSION_JSON_ARGV, TOOL_TIMEOUT_MS);
        if (r.stdout === null || r.failure !== null) return { ok: false, why: r.failure ?? '' };
        return attempt('nixos-version --json', () =>
          Promise.resolve(parseNixosVersionJson(r.stdout ?? '')),
        );
      })(),
      attempt(FLAKE_REGISTRY, async () =>
        parseRegistryNixpkgsPath(await readText(host, FLAKE_REGISTRY)),
      ),
      readEtcNixosFiles(ctx),
      compareCopiedConfiguration(host, hasConfiguration),
    ]);
  return judgeNixosOrigin({
    running,
    nextBoot,
    generations,
    configurationPath: target.path,
    evaluation,
    version,
    registryNixpkgs,
    files,
    copiedConfiguration: copied,
  });
}

async function compareCopiedConfiguration(
  host: Host,
  hasConfiguration: boolean,
): Promise<OriginFacts['copiedConfiguration']> {
  if (!hasConfiguration) return { ok: false, why: 'there is no /etc/nixos/configuration.nix' };
  let copy: string;
  try {
    copy = await readText(host, COPIED_CONFIGURATION);
  } catch (error) {
    if (error instanceof HostError && error.code === 'ENOENT') return { ok: true, value: 'absent' };
    return { ok: false, why: why(error, COPIED_CONFIGURATION) };
  }
  return attempt('/etc/nixos/configuration.nix', async () =>
    (await readText(host, '/etc/nixos/configuration.nix')) === copy ? 'same' : 'differs',
  );
}

/**
 * The NixOS facts (LUKS, GRUB, hostId...) come from evaluating /etc/nixos. When that is not what
 * built the running system, they may describe another system: say so next to them.
 */
export function originFactsDiagnostics(origin: NixosOrigin, nixos: Nixos | null): Diagnostic[] {
  if (nixos?.source !== 'eval' || origin.verdict !== 'flake-elsewhere') return [];
  return [
    diagnostic(
      'os.nixos-facts-elsewhere',
      'warning',
      `The NixOS facts shown (LUKS devices, GRUB, hostId, file systems) come from ${nixos.configurationPath ?? '/etc/nixos'}, but the running system was built from a flake elsewhere: they may be out of date.`,
      {
        source: nixos.configurationPath ?? '/etc/nixos',
        fix: 'Compare them with your flake before applying a plan; the new system copies them.',
      },
    ),
  ];
}
