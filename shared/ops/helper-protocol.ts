// The helper's wire protocol: newline-delimited JSON. One request line in (apply or recover), then
// events out, one per line, ending with a result. Both sides parse with these schemas.
import * as v from 'valibot';

/** The whole request line may not exceed this; a bigger one is refused unread. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

const Sha256 = v.pipe(
  v.string(),
  v.regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lower-case hex digits'),
);
const PlanId = v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, 'a plan id is 16 hex digits'));

export const RequestSchema = v.variant('type', [
  v.strictObject({
    type: v.literal('apply'),
    plan: v.unknown(),
    sha256: Sha256,
    dryRun: v.boolean(),
  }),
  v.strictObject({
    type: v.literal('recover'),
    planId: PlanId,
    mode: v.picklist(['rollback', 'resume']),
  }),
  v.strictObject({ type: v.literal('list-unfinished') }),
]);
export type Request = v.InferOutput<typeof RequestSchema>;

export const ApplyStatusSchema = v.picklist([
  'applied',
  'dry-run',
  'refused',
  'rolled-back',
  'rollback-incomplete',
  'nothing-to-do',
]);
export type ApplyStatus = v.InferOutput<typeof ApplyStatusSchema>;

export const ApplyResultSchema = v.strictObject({
  status: ApplyStatusSchema,
  planId: v.nullable(v.string()),
  /** One paragraph for the user: what happened and what to do next. */
  message: v.string(),
  cancelled: v.boolean(),
  failedStep: v.nullable(v.string()),
  /** Why the plan was refused or failed: each names the step and the rule. */
  problems: v.array(v.string()),
  undone: v.array(v.strictObject({ step: v.string(), text: v.string() })),
  notUndone: v.array(v.strictObject({ step: v.string(), text: v.string(), error: v.string() })),
});
export type ApplyResult = v.InferOutput<typeof ApplyResultSchema>;

export const UnfinishedSchema = v.strictObject({
  planId: v.string(),
  startedAt: v.string(),
  totalSteps: v.number(),
  doneSteps: v.number(),
  inFlight: v.nullable(v.string()),
  /** It failed and its rollback left steps to undo (rather than being stopped mid-way). */
  rollbackIncomplete: v.optional(v.boolean()),
});

/** The progress of a run, one event per thing that happened, in order (the app shows these). */
const progressEvents = [
  v.strictObject({
    type: v.literal('plan-started'),
    planId: v.string(),
    dryRun: v.boolean(),
    steps: v.array(v.strictObject({ id: v.string(), title: v.string(), risk: v.string() })),
  }),
  v.strictObject({
    type: v.literal('step-started'),
    step: v.string(),
    index: v.number(),
    total: v.number(),
    title: v.string(),
  }),
  v.strictObject({
    type: v.literal('output'),
    step: v.string(),
    stream: v.picklist(['stdout', 'stderr']),
    line: v.string(),
  }),
  v.strictObject({ type: v.literal('progress'), step: v.string(), percent: v.number() }),
  v.strictObject({
    type: v.literal('step-finished'),
    step: v.string(),
    ok: v.boolean(),
    error: v.nullable(v.string()),
  }),
  v.strictObject({ type: v.literal('rollback-started'), reason: v.string() }),
  v.strictObject({
    type: v.literal('step-undone'),
    step: v.string(),
    ok: v.boolean(),
    message: v.string(),
  }),
  v.strictObject({ type: v.literal('plan-finished'), result: ApplyResultSchema }),
] as const;
export const ApplyProgressSchema = v.variant('type', [...progressEvents]);
export type ApplyProgress = v.InferOutput<typeof ApplyProgressSchema>;

export const EventSchema = v.variant('type', [
  ...progressEvents,
  v.strictObject({ type: v.literal('unfinished'), plans: v.array(UnfinishedSchema) }),
  /** The helper could not take the request at all: nothing was changed. */
  v.strictObject({ type: v.literal('error'), code: v.string(), message: v.string() }),
  /** The last line: the outcome, also when the helper refused the request. */
  v.strictObject({ type: v.literal('result'), result: ApplyResultSchema }),
]);
export type HelperEvent = v.InferOutput<typeof EventSchema>;
export type ApplyEvent = ApplyProgress;

/** Helper exit codes. pkexec itself uses 126 (dismissed) and 127 (not authorised). */
export const EXIT = {
  ok: 0,
  failedRolledBack: 1,
  refused: 2,
  rollbackIncomplete: 3,
  notRoot: 4,
} as const;

export function exitCodeFor(result: ApplyResult): number {
  switch (result.status) {
    case 'applied':
    case 'dry-run':
    case 'nothing-to-do':
      return EXIT.ok;
    case 'refused':
      return EXIT.refused;
    case 'rolled-back':
      return EXIT.failedRolledBack;
    case 'rollback-incomplete':
      return EXIT.rollbackIncomplete;
  }
}
