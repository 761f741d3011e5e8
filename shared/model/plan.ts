// A Plan: the ordered Steps that take the machine from its inventory to the layout, each one verb
// with typed arguments, plus everything the user reads before applying: why, risk, preview, undo.
import * as v from 'valibot';
import { BootOnceOfferSchema } from '../ops/boot-once-args';
import { RiskSchema, VerbCallSchema } from '../ops/verbs';
import { DiagnosticSchema } from './diagnostic';

export const PLAN_FORMAT = 'cohabit-plan/1';

export const StepPreviewSchema = v.variant('kind', [
  /** A command: its argv and the copyable shell line made from it by shellQuote. */
  v.strictObject({ kind: v.literal('command'), argv: v.array(v.string()), shell: v.string() }),
  /** A file change: the unified diff against the current content, and the full new content. */
  v.strictObject({
    kind: v.literal('file'),
    path: v.string(),
    diff: v.string(),
    content: v.string(),
    previous: v.nullable(v.string()),
  }),
]);
export type StepPreview = v.InferOutput<typeof StepPreviewSchema>;

export const StepSchema = v.strictObject({
  /** `s01`, `s02`, ...: stable within a plan, for the journal and the UI. */
  id: v.pipe(v.string(), v.regex(/^s\d{2,3}$/)),
  call: VerbCallSchema,
  title: v.string(),
  /** The layout element this step serves (`systems[0]`, `volumes[1]`, `host`) and why, in words. */
  why: v.strictObject({ element: v.string(), text: v.string() }),
  risk: RiskSchema,
  preview: StepPreviewSchema,
  undo: v.strictObject({
    text: v.string(),
    argv: v.array(v.array(v.string())),
    shell: v.array(v.string()),
  }),
});
export type Step = v.InferOutput<typeof StepSchema>;

export const PlanSchema = v.strictObject({
  format: v.literal(PLAN_FORMAT),
  /** Random id; stamped as cohabit:journal on every dataset the plan creates. */
  id: v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/)),
  createdAt: v.string(),
  pool: v.string(),
  /** SHA-256 of the canonical JSON of the layout this plan was made from. */
  layoutSha256: v.string(),
  steps: v.array(StepSchema),
  /** Validation findings the user saw; a plan with an error-severity diagnostic has no steps. */
  diagnostics: v.array(DiagnosticSchema),
  /** What to do after apply, in order (reboot, choose the entry in GRUB...). */
  nextSteps: v.array(v.string()),
  /** Whether the main GRUB can boot the new systems once (issue 16); absent when none is added. */
  bootOnce: v.optional(BootOnceOfferSchema),
});
export type Plan = v.InferOutput<typeof PlanSchema>;
