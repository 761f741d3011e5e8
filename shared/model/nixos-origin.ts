// What built the running NixOS system, as far as the machine says: whether /etc/nixos evaluates to
// the running system, what else records the system's origin, and which of those checks could be
// made. The planner reads it before it edits configuration.nix and runs `nixos-rebuild boot`.
import * as v from 'valibot';

const nullable = <T extends v.GenericSchema>(s: T) => v.nullable(s);

export const ORIGIN_VERDICTS = [
  /** /etc/nixos evaluates to exactly the running system. */
  'same',
  /** /etc/nixos evaluates to the generation the next boot starts, built but not yet booted. */
  'same-as-next-boot',
  /** /etc/nixos evaluates to something else, or its files changed after the running system was made. */
  'differs',
  /** The running system came from a flake, and /etc/nixos has none: it is not what builds it. */
  'flake-elsewhere',
  /** Nothing conclusive could be checked. */
  'unknown',
] as const;
export type OriginVerdict = (typeof ORIGIN_VERDICTS)[number];

export const OriginCheckSchema = v.object({
  /** Short name of the check, e.g. `evaluation`, `file dates`. */
  name: v.string(),
  done: v.boolean(),
  /** What the check found, or why it could not be made (no root, no Nix daemon, too slow...). */
  text: v.string(),
});
export type OriginCheck = v.InferOutput<typeof OriginCheckSchema>;

/** `nixos-version --json` of the running system (nixos/modules/installer/tools/tools.nix). */
export const NixosVersionInfoSchema = v.object({
  nixosVersion: v.string(),
  nixpkgsRevision: nullable(v.string()),
  configurationRevision: nullable(v.string()),
});
export type NixosVersionInfo = v.InferOutput<typeof NixosVersionInfoSchema>;

export const OriginEvaluationSchema = v.object({
  /** What was evaluated, as the user would name it: `/etc/nixos/configuration.nix`. */
  configuration: v.string(),
  argv: v.array(v.string()),
  /** The store path `system.build.toplevel` evaluates to; null when evaluation failed. */
  outPath: nullable(v.string()),
  /** Why there is no outPath, in plain words. */
  failure: nullable(v.string()),
  /** How long the evaluation took, in milliseconds (null when it could not start). */
  ms: nullable(v.number()),
});
export type OriginEvaluation = v.InferOutput<typeof OriginEvaluationSchema>;

export const ChangedFileSchema = v.object({
  path: v.string(),
  /** Modification time, seconds since the epoch. */
  modifiedAt: v.number(),
});
export type ChangedFile = v.InferOutput<typeof ChangedFileSchema>;

export const NixosOriginSchema = v.object({
  /** readlink /run/current-system: the running system's store path. */
  runningSystem: nullable(v.string()),
  /** The system profile's current generation: what the next boot starts. */
  nextBootSystem: nullable(v.string()),
  /** When the running system's generation was registered (its profile link's mtime), in seconds. */
  runningBuiltAt: nullable(v.number()),
  evaluation: nullable(OriginEvaluationSchema),
  version: nullable(NixosVersionInfoSchema),
  /** What says the running system was built from a flake, one sentence per fact. */
  flakeEvidence: v.array(v.string()),
  /** Files under /etc/nixos modified after the running system's generation, newest first. */
  changedFiles: v.array(ChangedFileSchema),
  verdict: v.picklist(ORIGIN_VERDICTS),
  /** The verdict in plain words, with its evidence. */
  summary: v.string(),
  checks: v.array(OriginCheckSchema),
});
export type NixosOrigin = v.InferOutput<typeof NixosOriginSchema>;
