// judgeNixosOrigin: from what the machine records (the running system, its generation's date, the
// evaluation of /etc/nixos, nixos-version, the flake registry, file dates), whether a rebuild from
// /etc/nixos would build the running system plus Cohabit's line, or more, or something else.
import type {
  ChangedFile,
  NixosOrigin,
  NixosVersionInfo,
  OriginCheck,
  OriginEvaluation,
  OriginVerdict,
} from '../model/nixos-origin';

export interface Generation {
  /** `system-42-link` */
  name: string;
  /** The store path the link points at. */
  target: string;
  /** The link's mtime: when nix-env registered the generation, at the end of a rebuild. */
  registeredAt: number;
}

/** A fact that was read, or why it could not be. */
export type Read<T> = { ok: true; value: T } | { ok: false; why: string };

export interface OriginFacts {
  running: Read<string>;
  nextBoot: Read<string>;
  generations: Read<Generation[]>;
  /** The file the rebuild reads: /etc/nixos/configuration.nix or /etc/nixos/flake.nix; null = none. */
  configurationPath: string | null;
  /** null when there was nothing to evaluate. */
  evaluation: OriginEvaluation | null;
  version: Read<NixosVersionInfo>;
  /** The store path /etc/nix/registry.json pins nixpkgs to (null: it pins none). */
  registryNixpkgs: Read<string | null>;
  /** Every file under /etc/nixos with its mtime; `partial` when some directory was unreadable. */
  files: Read<{ files: ChangedFile[]; partial: boolean }>;
  /** /run/current-system/configuration.nix (system.copySystemConfiguration) against /etc/nixos's. */
  copiedConfiguration: Read<'same' | 'differs' | 'absent'>;
}

/** `2026-11-20 18:04 UTC`: dates in messages are UTC so that every machine reads them alike. */
export function formatOriginTime(seconds: number): string {
  const iso = new Date(Math.floor(seconds) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

// nixpkgs' flake gives NixOS the version suffix `.YYYYMMDD.<short rev or dirty>`
// (lib/flake-version-info.nix at 29287e08219c5a6d6c0ce486894f849c078d1bf3); a channel's is
// `.<commit count>.<12 hex digits>`.
const FLAKE_VERSION_RE = /^\d{2}\.\d{2}(?:pre)?\.(20\d{6})\.(?:[0-9a-f]{7}|dirty)$/;

function flakeEvidence(facts: OriginFacts): string[] {
  const out: string[] = [];
  if (facts.registryNixpkgs.ok && facts.registryNixpkgs.value !== null)
    out.push(
      `/etc/nix/registry.json pins nixpkgs to ${facts.registryNixpkgs.value}, as nixpkgs.lib.nixosSystem does for a system built from a flake`,
    );
  if (facts.version.ok) {
    const { nixosVersion, configurationRevision } = facts.version.value;
    if (configurationRevision !== null)
      out.push(
        `nixos-version records the configuration revision ${configurationRevision} (system.configurationRevision, the Git revision of the flake it was built from)`,
      );
    if (FLAKE_VERSION_RE.test(nixosVersion))
      out.push(
        `its version ${nixosVersion} has the date suffix nixpkgs gives a system built from its flake`,
      );
  }
  return out;
}

function changedSince(facts: OriginFacts, builtAt: number | null): ChangedFile[] {
  if (builtAt === null || !facts.files.ok) return [];
  return facts.files.value.files
    .filter((f) => f.modifiedAt > builtAt)
    .sort((a, b) => b.modifiedAt - a.modifiedAt || a.path.localeCompare(b.path));
}

const listFiles = (files: readonly ChangedFile[]) =>
  files
    .slice(0, 8)
    .map((f) => `${f.path} (${formatOriginTime(f.modifiedAt)})`)
    .join(', ') + (files.length > 8 ? ` and ${files.length - 8} more` : '');

export function judgeNixosOrigin(facts: OriginFacts): NixosOrigin {
  const running = facts.running.ok ? facts.running.value : null;
  const nextBoot = facts.nextBoot.ok ? facts.nextBoot.value : null;
  const generation =
    facts.generations.ok && running !== null
      ? facts.generations.value.find((g) => g.target === running)
      : undefined;
  const builtAt = generation?.registeredAt ?? null;
  const changedFiles = changedSince(facts, builtAt);
  const evidence = flakeEvidence(facts);
  const outPath = facts.evaluation?.outPath ?? null;
  const config = facts.configurationPath;
  const flakeInEtc = config?.endsWith('flake.nix') === true;
  const notFromEtc = !flakeInEtc && evidence.length > 0;

  let verdict: OriginVerdict;
  let summary: string;
  const changedText =
    changedFiles.length > 0 && builtAt !== null
      ? ` Changed under /etc/nixos since the running system was made (${formatOriginTime(builtAt)}): ${listFiles(changedFiles)}.`
      : '';
  if (outPath !== null && running !== null && config !== null) {
    if (outPath === running) {
      verdict = 'same';
      summary = `${config} evaluates to the running system (${running}): a rebuild adds only what Cohabit adds.`;
    } else if (outPath === nextBoot) {
      verdict = 'same-as-next-boot';
      summary = `${config} evaluates to the generation the next boot already starts (${outPath}), built but not yet booted: a rebuild adds only what Cohabit adds to that one.`;
    } else if (notFromEtc) {
      verdict = 'flake-elsewhere';
      summary = `The running system was built from a flake (${evidence.join('; ')}), and ${config} evaluates to something else (${outPath}): /etc/nixos is not what builds this system.`;
    } else {
      verdict = 'differs';
      summary = `${config} evaluates to ${outPath}, not to the running system ${running}.${changedText}`;
    }
  } else if (notFromEtc) {
    verdict = 'flake-elsewhere';
    summary = `The running system was built from a flake (${evidence.join('; ')}), and /etc/nixos has no flake.nix: /etc/nixos is not what builds this system.`;
  } else if (facts.copiedConfiguration.ok && facts.copiedConfiguration.value === 'differs') {
    verdict = 'differs';
    summary = `/etc/nixos/configuration.nix differs from the copy the running system keeps in /run/current-system/configuration.nix.${changedText}`;
  } else if (changedFiles.length > 0) {
    verdict = 'differs';
    summary = `${facts.evaluation?.failure ?? 'The configuration was not evaluated'}; but files under /etc/nixos changed after the running system was made.${changedText}`;
  } else {
    verdict = 'unknown';
    summary = `Cohabit could not tell whether /etc/nixos built the running system: ${unknownReason(facts, running, config, builtAt)}.`;
  }
  return {
    runningSystem: running,
    nextBootSystem: nextBoot,
    runningBuiltAt: builtAt,
    evaluation: facts.evaluation,
    version: facts.version.ok ? facts.version.value : null,
    flakeEvidence: evidence,
    changedFiles,
    verdict,
    summary,
    checks: originChecks(facts, running, generation, changedFiles, evidence),
  };
}

function unknownReason(
  facts: OriginFacts,
  running: string | null,
  config: string | null,
  builtAt: number | null,
): string {
  if (config === null) return 'there is neither configuration.nix nor flake.nix in /etc/nixos';
  if (running === null && !facts.running.ok) return facts.running.why;
  const evaluation = facts.evaluation?.failure ?? 'it was not evaluated';
  if (builtAt === null) return `${evaluation}, and the running system's build date is unknown`;
  return `${evaluation}; no file under /etc/nixos changed after the running system was made (${formatOriginTime(builtAt)})`;
}

// One line per check, done or not, so the user sees what was looked at and what could not be.
// Long because each check's outcomes (made, not made and why) are spelled out in place.
function originChecks(
  facts: OriginFacts,
  running: string | null,
  generation: Generation | undefined,
  changed: readonly ChangedFile[],
  evidence: readonly string[],
): OriginCheck[] {
  const checks: OriginCheck[] = [];
  const add = (name: string, done: boolean, text: string) => checks.push({ name, done, text });
  add(
    'running system',
    running !== null,
    facts.running.ok ? facts.running.value : facts.running.why,
  );
  if (!facts.generations.ok) add('build date', false, facts.generations.why);
  else if (generation === undefined)
    add(
      'build date',
      false,
      running === null
        ? 'the running system is unknown'
        : 'the running system is none of the system profile\'s generations (activated with "nixos-rebuild test", or its generation was deleted)',
    );
  else
    add(
      'build date',
      true,
      `generation ${generation.name.replace(/^system-(\d+)-link$/, '$1')}, registered ${formatOriginTime(generation.registeredAt)}`,
    );
  const e = facts.evaluation;
  if (e === null) add('evaluation', false, 'nothing in /etc/nixos to evaluate');
  else if (e.outPath !== null)
    add(
      'evaluation',
      true,
      `${e.configuration} evaluates to ${e.outPath} (${e.ms === null ? 'time unknown' : formatSeconds(e.ms)}; evaluation only, nothing was built)`,
    );
  else
    add(
      'evaluation',
      false,
      `${e.failure ?? 'failed'}${e.ms === null ? '' : ` (after ${formatSeconds(e.ms)})`}`,
    );
  if (!facts.files.ok) add('file dates', false, facts.files.why);
  else if (generation === undefined)
    add('file dates', false, 'without the build date there is nothing to compare with');
  else
    add(
      'file dates',
      true,
      (changed.length === 0
        ? 'no file under /etc/nixos changed after the running system was made'
        : `${changed.length} file${changed.length === 1 ? '' : 's'} under /etc/nixos changed after the running system was made`) +
        (facts.files.value.partial
          ? ' (some directories under /etc/nixos could not be read without root)'
          : ''),
    );
  if (!facts.copiedConfiguration.ok)
    add('copied configuration', false, facts.copiedConfiguration.why);
  else if (facts.copiedConfiguration.value === 'absent')
    add(
      'copied configuration',
      false,
      'the running system keeps no copy of configuration.nix (system.copySystemConfiguration is off)',
    );
  else
    add(
      'copied configuration',
      true,
      `/run/current-system/configuration.nix is ${facts.copiedConfiguration.value === 'same' ? 'the same as' : 'not the same as'} /etc/nixos/configuration.nix`,
    );
  add(
    'nixos-version',
    facts.version.ok,
    facts.version.ok
      ? `NixOS ${facts.version.value.nixosVersion}${facts.version.value.configurationRevision === null ? ', no configuration revision recorded' : `, configuration revision ${facts.version.value.configurationRevision}`}`
      : facts.version.why,
  );
  add(
    'flake registry',
    facts.registryNixpkgs.ok,
    facts.registryNixpkgs.ok
      ? facts.registryNixpkgs.value === null
        ? '/etc/nix/registry.json pins no nixpkgs: not built with nixpkgs.lib.nixosSystem'
        : `nixpkgs pinned to ${facts.registryNixpkgs.value}`
      : facts.registryNixpkgs.why,
  );
  if (evidence.length > 0) add('flake', true, `built from a flake: ${evidence.join('; ')}`);
  return checks;
}
