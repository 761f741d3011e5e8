// The one contract between the renderer and the backend (Electron IPC or browser mode's HTTP):
// each call channel with its request and response schema, and each backend -> renderer event.
// Both sides parse what crosses it at runtime; the types follow from the schemas.
import * as v from 'valibot';
import { InventorySchema } from '../model/inventory';
import { LayoutSchema } from '../model/layout';
import { PlanSchema } from '../model/plan';

export const MachineSourceSchema = v.picklist(['local', 'demo', 'snapshot', 'ssh']);

export const MachineInfoSchema = v.object({
  source: MachineSourceSchema,
  /** Plain words for the header: `this machine`, `the demo machine`, `snapshot host.json`. */
  description: v.string(),
  /** True when the backend can switch to this machine's own inventory (not in `serve --demo`). */
  localAvailable: v.boolean(),
});
export type MachineInfo = v.InferOutput<typeof MachineInfoSchema>;

const Empty = v.strictObject({});

/** `<service>:<method>` -> request and response schemas (renderer -> backend calls). */
export const calls = {
  'machine:info': { request: Empty, response: MachineInfoSchema },
  'machine:inventory': {
    request: v.strictObject({ refresh: v.optional(v.boolean()) }),
    response: InventorySchema,
  },
  'machine:select': {
    request: v.strictObject({ source: v.picklist(['local', 'demo']) }),
    response: MachineInfoSchema,
  },
  /** Plans a layout against the machine shown: reads the files the planner needs, changes nothing. */
  'plan:make': {
    request: v.strictObject({ layout: LayoutSchema }),
    response: PlanSchema,
  },
} as const;

/** Backend -> renderer events. */
export const events = {
  'machine:changed': MachineInfoSchema,
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
  code: v.string(),
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
    readonly code: 'bad-request' | 'bad-response' | 'bad-event' | 'unknown-channel',
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
