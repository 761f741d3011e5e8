// The one contract between the renderer and the backend (Electron IPC or browser mode's HTTP):
// each call channel with its request and response schema, and each backend -> renderer event.
// Both sides parse what crosses it at runtime; the types follow from the schemas.
import * as v from 'valibot';
import { InventorySchema } from '../model/inventory';
import { LayoutSchema } from '../model/layout';
import { DraftLayoutSchema } from '../model/layout-draft';
import { PlanSchema } from '../model/plan';
import { CohabitEntryIdSchema } from '../ops/boot-once-args';
import {
  ApplyOutcomeSchema,
  ApplyProgressSchema,
  ApplyResultSchema,
  UnfinishedSchema as UnfinishedPlanSchema,
} from '../ops/helper-protocol';
import { ApiErrorCodeSchema } from './error-codes';
import type { ContractErrorCode } from './error-codes';

export const MachineSourceSchema = v.picklist(['local', 'demo', 'snapshot', 'ssh']);

export const MachineInfoSchema = v.object({
  source: MachineSourceSchema,
  /** Plain words for the header: `this machine`, `the demo machine`, `snapshot host.json`. */
  description: v.string(),
  /** True when the backend can switch to this machine's own inventory (not in `serve --demo`). */
  localAvailable: v.boolean(),
  /** The demo machine shown, by name (shared/api/demo-machines.ts), when it is not the default. */
  demo: v.optional(v.string()),
});
export type MachineInfo = v.InferOutput<typeof MachineInfoSchema>;

const Empty = v.strictObject({});

const PlanId = v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, 'a plan id is 16 hex digits'));
/** One apply or recovery run in this backend; events and cancel name it. */
const ApplyId = v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, 'an apply id is 16 hex digits'));

// The apply run's results and progress events are the root helper's own wire schemas: the app
// shows exactly what the helper said.
export { ApplyOutcomeSchema, ApplyProgressSchema, ApplyResultSchema, UnfinishedPlanSchema };
export type { ApplyOutcome, ApplyProgress, ApplyResult } from '../ops/helper-protocol';
export type UnfinishedPlan = v.InferOutput<typeof UnfinishedPlanSchema>;

const Sha256 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 hex digits'));

/** Where the plan shown came from: made here from the layout, or opened from a file. */
export const PlanOriginSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('made') }),
  v.strictObject({ kind: v.literal('file'), name: v.string() }),
]);
export type PlanOrigin = v.InferOutput<typeof PlanOriginSchema>;

/**
 * A plan the backend keeps: runs name it by `plan.id` and `sha256`, never by sending it back, so
 * the plan that runs is the plan that was shown.
 */
export const KeptPlanSchema = v.strictObject({
  plan: PlanSchema,
  sha256: Sha256,
  origin: PlanOriginSchema,
});
export type KeptPlan = v.InferOutput<typeof KeptPlanSchema>;

/** The largest plan file the app opens (browser mode's body limit is 1 MiB as well). */
export const MAX_PLAN_FILE_CHARS = 1024 * 1024;

/** `<service>:<method>` -> request and response schemas (renderer -> backend calls). */
export const calls = {
  /** The app's version, and where this backend's log is (null: it keeps none), for errors to name. */
  'app:about': {
    request: Empty,
    response: v.strictObject({ version: v.string(), logPath: v.nullable(v.string()) }),
  },
  'machine:info': { request: Empty, response: MachineInfoSchema },
  'machine:inventory': {
    request: v.strictObject({ refresh: v.optional(v.boolean()) }),
    response: InventorySchema,
  },
  'machine:select': {
    request: v.strictObject({
      source: v.picklist(['local', 'demo']),
      /** Which demo machine (default: the default one). */
      demo: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,40}$/, 'a demo machine name'))),
    }),
    response: MachineInfoSchema,
  },
  /**
   * Shows a remote machine over SSH (`ssh://[user@]host[:port]`, checked strictly by the backend).
   * Connects at once, so an unknown host key or a refused login is the answer (`ssh.host-key`,
   * `ssh.auth`, ...) and the machine shown stays as it was.
   */
  'machine:connect': {
    request: v.strictObject({
      url: v.pipe(v.string(), v.maxLength(300, 'an address is at most 300 characters')),
    }),
    response: MachineInfoSchema,
  },
  /** Plans a layout against the machine shown: reads the files the planner needs, changes nothing. */
  'plan:make': {
    request: v.strictObject({ layout: LayoutSchema }),
    response: KeptPlanSchema,
  },
  /**
   * Opens a plan file (saved from the Plan view or made by `cohabit plan --json`) for the machine
   * shown: checked as a plan made here would be (its schema, and that its previews and undos are
   * what its verbs do), kept like one, and marked as coming from the file.
   */
  'plan:open': {
    request: v.strictObject({
      name: v.pipe(v.string(), v.maxLength(255, 'a file name is at most 255 characters')),
      text: v.pipe(v.string(), v.maxLength(MAX_PLAN_FILE_CHARS, 'a plan file is at most 1 MiB')),
    }),
    response: KeptPlanSchema,
  },
  /**
   * Applies or dry-runs a plan the backend keeps, named by its id and the hash the user was shown;
   * the helper checks the hash again. Answers at once; progress comes as `apply:event`, the end
   * as `apply:done`.
   */
  'apply:start': {
    request: v.strictObject({ planId: PlanId, sha256: Sha256, dryRun: v.boolean() }),
    response: v.strictObject({ applyId: ApplyId }),
  },
  /**
   * After a plan is applied: has the main GRUB start one of its new entries at the next boot only
   * (issue 16). The backend makes the one-step plan (grub-editenv ... set next_entry=<entry>) from
   * the kept plan's offer and runs it like any apply, with its own id; a dry run walks it.
   */
  'apply:bootOnce': {
    request: v.strictObject({
      planId: PlanId,
      sha256: Sha256,
      entryId: CohabitEntryIdSchema,
      dryRun: v.boolean(),
    }),
    response: v.strictObject({ applyId: ApplyId }),
  },
  /** Stops between steps and interrupts a running one; the plan then rolls back. */
  'apply:cancel': {
    request: v.strictObject({ applyId: ApplyId }),
    response: v.strictObject({ cancelling: v.boolean() }),
  },
  /**
   * Plans a crash left half-applied, for the offer at start-up. `checked` is false when the
   * journal could not be read (it is root's); `note` then says why.
   */
  'apply:unfinished': {
    request: Empty,
    response: v.strictObject({
      plans: v.array(UnfinishedPlanSchema),
      checked: v.boolean(),
      note: v.nullable(v.string()),
    }),
  },
  /** Finishes an unfinished plan: rolls back what it did, or undoes the interrupted step and resumes. */
  'apply:recover': {
    request: v.strictObject({ planId: PlanId, mode: v.picklist(['rollback', 'resume']) }),
    response: v.strictObject({ applyId: ApplyId }),
  },
  /**
   * The layout being drawn for the machine shown, as the backend last kept it (reload, restart,
   * crash), or null. Password hashes are never kept, so they come back empty.
   */
  'draft:load': {
    request: Empty,
    response: v.strictObject({
      draft: v.nullable(v.strictObject({ layout: DraftLayoutSchema, savedAt: v.string() })),
    }),
  },
  /** Keeps the layout being drawn for the machine shown; null forgets it (discard). */
  'draft:save': {
    request: v.strictObject({ layout: v.nullable(DraftLayoutSchema) }),
    response: v.strictObject({ savedAt: v.nullable(v.string()) }),
  },
} as const;

/** Backend -> renderer events. */
export const events = {
  'machine:changed': MachineInfoSchema,
  'apply:event': v.strictObject({ applyId: ApplyId, event: ApplyProgressSchema }),
  'apply:done': v.strictObject({ applyId: ApplyId, outcome: ApplyOutcomeSchema }),
} as const;

export type CallChannel = keyof typeof calls;
export type EventChannel = keyof typeof events;
export type CallRequest<C extends CallChannel> = v.InferInput<(typeof calls)[C]['request']>;
export type CallResponse<C extends CallChannel> = v.InferOutput<(typeof calls)[C]['response']>;
export type EventPayload<E extends EventChannel> = v.InferOutput<(typeof events)[E]>;

export const CALL_CHANNELS = Object.keys(calls) as CallChannel[];
export const EVENT_CHANNELS = Object.keys(events) as EventChannel[];

/** One error shape across every boundary, so the renderer shows the real message and code. */
export const ApiErrorSchema = v.object({
  code: ApiErrorCodeSchema,
  message: v.string(),
  detail: v.optional(v.string()),
});
export type ApiError = v.InferOutput<typeof ApiErrorSchema>;
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const EnvelopeSchema = v.union([
  v.object({ ok: v.literal(true), value: v.unknown() }),
  v.object({ ok: v.literal(false), error: ApiErrorSchema }),
]);

export function isCallChannel(name: unknown): name is CallChannel {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  if (first === undefined) return 'invalid value';
  const path = first.path?.map((p) => String(p.key)).join('.') ?? '';
  return path === '' ? first.message : `${path}: ${first.message}`;
}

export class ContractError extends Error {
  override readonly name = 'ContractError';
  constructor(
    readonly code: ContractErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function parseRequest<C extends CallChannel>(
  channel: C,
  value: unknown,
): v.InferOutput<(typeof calls)[C]['request']> {
  const result = v.safeParse(calls[channel].request, value ?? {});
  if (!result.success)
    throw new ContractError('bad-request', `${channel}: ${describeIssues(result.issues)}`);
  return result.output;
}

export function parseResponse<C extends CallChannel>(channel: C, value: unknown): CallResponse<C> {
  const result = v.safeParse(calls[channel].response, value);
  if (!result.success)
    throw new ContractError('bad-response', `${channel}: ${describeIssues(result.issues)}`);
  return result.output;
}

export function parseEvent<E extends EventChannel>(channel: E, value: unknown): EventPayload<E> {
  const result = v.safeParse(events[channel], value);
  if (!result.success)
    throw new ContractError('bad-event', `${channel}: ${describeIssues(result.issues)}`);
  return result.output;
}

/** The API object the renderer sees as `window.cohabit` (Electron) or builds over HTTP (browser mode). */
export interface CohabitApi {
  call<C extends CallChannel>(channel: C, request: CallRequest<C>): Promise<CallResponse<C>>;
  /** Subscribes to an event until the signal aborts. */
  on<E extends EventChannel>(
    channel: E,
    listener: (payload: EventPayload<E>) => void,
    signal: AbortSignal,
  ): void;
}
