// Every code an error envelope can carry from the backend to the renderer, as closed lists, so the
// renderer can switch on a code and the compiler says when a new one is not handled. A code not
// listed here is refused at the boundary (the envelope's schema), never passed on as a string.
import * as v from 'valibot';

/** The contract itself: a request, answer or event that did not parse, or a channel that is none. */
export const CONTRACT_ERROR_CODES = [
  'bad-request',
  'bad-response',
  'bad-event',
  'unknown-channel',
] as const;

/** The way to the backend: Electron's IPC, or browser mode's HTTP server and its guards. */
export const TRANSPORT_ERROR_CODES = [
  'ipc-failed',
  'forbidden-sender',
  'unreachable',
  'wrong-host',
  'wrong-origin',
  'no-token',
  'method-not-allowed',
  'unsupported-media-type',
  'too-large',
  'not-found',
  'bad-url',
] as const;

/** What the backend refuses to do, in words the user can act on. */
export const BACKEND_ERROR_CODES = [
  'apply-busy',
  'forbidden',
  'nothing-to-apply',
  'recorded-machine',
  'unknown-demo',
  'closed',
  'plan.invalid',
  'plan.inconsistent',
  'plan.other-machine',
  'plan.unknown',
  'plan.hash-mismatch',
  'boot-once.refused',
] as const;

/** A read or a command on the machine failed (electron/host/host.ts HostErrorCode, prefixed). */
export const HOST_ERROR_CODES = [
  'host.ENOENT',
  'host.EACCES',
  'host.ENOTDIR',
  'host.EISDIR',
  'host.EINVAL',
  'host.ELOOP',
  'host.EIO',
  'host.TOO_LARGE',
  'host.TIMEOUT',
  'host.ABORTED',
  'host.NOT_RECORDED',
  'host.SPAWN',
  'host.UNREACHABLE',
] as const;

/** Connecting to a remote machine failed (electron/host/ssh-error.ts SshFailure, prefixed). */
export const SSH_ERROR_CODES = [
  'ssh.host-key',
  'ssh.auth',
  'ssh.refused',
  'ssh.timeout',
  'ssh.unresolved',
  'ssh.sudo',
  'ssh.dropped',
  'ssh.closed',
  'ssh.other',
] as const;

export const API_ERROR_CODES = [
  ...CONTRACT_ERROR_CODES,
  ...TRANSPORT_ERROR_CODES,
  ...BACKEND_ERROR_CODES,
  ...HOST_ERROR_CODES,
  ...SSH_ERROR_CODES,
  /** Anything else: a bug. The message is shown; the log keeps the stack. */
  'internal',
] as const;

export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number];
export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];
export type BackendErrorCode = (typeof BACKEND_ERROR_CODES)[number];
export type HostErrorApiCode = (typeof HOST_ERROR_CODES)[number];
export type SshErrorCode = (typeof SSH_ERROR_CODES)[number];
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export const ApiErrorCodeSchema = v.picklist(API_ERROR_CODES);

const KNOWN: ReadonlySet<string> = new Set(API_ERROR_CODES);
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}

/**
 * The compile-time end of an exhaustive `switch`: a case left out makes `value` something other
 * than `never`, and the call no longer compiles. At run time (a value from an older peer) it throws.
 */
export function unreachableCase(value: never, what: string): never {
  throw new Error(`unhandled ${what}: ${String(value)}`);
}
