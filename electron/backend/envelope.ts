// Turns whatever a handler threw into the one error envelope the renderer understands, so the
// user sees the real message and code, never "Error invoking remote method". What the envelope
// drops (the stack, the channel) goes to the log.
import type { ApiError, Envelope } from '../../shared/api/contract';
import { ContractError } from '../../shared/api/contract';
import type { ApiErrorCode } from '../../shared/api/error-codes';
import { errorMessage } from '../../shared/model/errors';
import { HostError } from '../host/host';
import type { HostErrorCode } from '../host/host';
import type { AppLog } from '../log/app-log';
import { BackendError } from './backend';

/** Every host error code has its `host.` code in the closed list (this fails to compile if not). */
const hostCode = (code: HostErrorCode): ApiErrorCode => `host.${code}`;

export function toApiError(error: unknown): ApiError {
  if (error instanceof ContractError) return { code: error.code, message: error.message };
  if (error instanceof BackendError) return { code: error.code, message: error.message };
  if (error instanceof HostError) return { code: hostCode(error.code), message: error.message };
  return { code: 'internal', message: errorMessage(error) };
}

export async function envelope<T>(
  work: () => Promise<T>,
  log?: { to: AppLog; channel: string },
): Promise<Envelope<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const apiError = toApiError(error);
    log?.to.write(apiError.code === 'internal' ? 'error' : 'info', 'call-failed', {
      channel: log.channel,
      code: apiError.code,
      message: apiError.message,
      stack: error instanceof Error ? (error.stack ?? null) : null,
    });
    return { ok: false, error: apiError };
  }
}
