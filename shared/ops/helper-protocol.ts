// The helper's wire protocol: newline-delimited JSON. One request line in (apply or recover), then
// events out, one per line, ending with a result. Both sides parse with these schemas.
import * as v from 'valibot';
import { PlanSchema } from '../model/plan';
import { StepFailureSchema } from './step-failure';

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
    plan: PlanSchema,
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

/**
 * Why the helper took no request at all (its `error` event), a closed list the backend and the CLI
 * can switch on: the request's own faults, the helper's situation, and a failure of its own.
 */
export const HELPER_ERROR_CODES = [
  'not-json',
  'bad-request',
  'bad-plan',
  'bad-input',
  'too-large',
  'no-request',
  'not-root',
  'internal',
] as const;
export type HelperErrorCode = (typeof HELPER_ERROR_CODES)[number];

/** Why a request line was not taken: the code is the helper's `error` event's. */
export type RequestRefusal = {
  code: Extract<HelperErrorCode, 'not-json' | 'bad-request' | 'bad-plan'>;
  message: string;
};

type Parsed = { ok: true; request: Request } | { ok: false; refusal: RequestRefusal };

/**
 * The helper's one parse of what crosses into root: the request and the plan it carries, once,
 * whether it came as a line on stdin or as an object handed to the in-process run. A plan that
 * fails its schema is named as the plan, so the user knows which part was wrong.
 */
export function parseHelperRequest(value: unknown): Parsed {
  const parsed = v.safeParse(RequestSchema, value);
  if (parsed.success) return { ok: true, request: parsed.output };
  const issue = parsed.issues[0];
  const where = v.getDotPath(issue) ?? '';
  if (where === 'plan' || where.startsWith('plan.'))
    return {
      ok: false,
      refusal: { code: 'bad-plan', message: `The plan is not valid: ${where}: ${issue.message}.` },
    };
  return {
    ok: false,
    refusal: {
      code: 'bad-request',
      message: `The request is not valid: ${where || 'request'}: ${issue.message}.`,
    },
  };
}

/** A request line from stdin: JSON, then parseHelperRequest. */
export function parseRequestLine(line: string): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, refusal: { code: 'not-json', message: 'The request is not JSON.' } };
  }
  return parseHelperRequest(json);
}

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
  /** Why `failedStep` failed, as data (command, exit code, stderr's tail); null when none did. */
  failure: v.nullable(StepFailureSchema),
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
    failure: v.nullable(StepFailureSchema),
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
  v.strictObject({
    type: v.literal('error'),
    code: v.picklist(HELPER_ERROR_CODES),
    message: v.string(),
  }),
  /** The last line: the outcome, also when the helper refused the request. */
  v.strictObject({ type: v.literal('result'), result: ApplyResultSchema }),
]);
export type HelperEvent = v.InferOutput<typeof EventSchema>;
export type ApplyEvent = ApplyProgress;

/**
 * How a run ended, as the app and the CLI both see it: from the helper's events and exit, whichever
 * way it ran. `dismissed` and `not-authorised` are pkexec's 126 and 127 (or sudo's 1): nothing
 * ran. `stopped-mid-step` leaves an unfinished plan (`recoverPlanId`) to roll back or resume.
 */
export const OutcomeKindSchema = v.picklist([
  'finished',
  'refused-input',
  'dismissed',
  'not-authorised',
  'stopped-mid-step',
  'exited-early',
]);
export type OutcomeKind = v.InferOutput<typeof OutcomeKindSchema>;

export const ApplyOutcomeSchema = v.strictObject({
  kind: OutcomeKindSchema,
  /** What to tell the user, in one paragraph. */
  message: v.string(),
  result: v.nullable(ApplyResultSchema),
  recoverPlanId: v.nullable(v.string()),
});
export type ApplyOutcome = v.InferOutput<typeof ApplyOutcomeSchema>;

/** Helper exit codes. pkexec itself uses 126 (dismissed) and 127 (not authorised). */
export const EXIT = {
  ok: 0,
  failedRolledBack: 1,
  refused: 2,
  rollbackIncomplete: 3,
  notRoot: 4,
} as const;

/** The closed set of exit codes the helper (and `cohabit apply`/`recover`) end with. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeFor(result: ApplyResult): ExitCode {
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
