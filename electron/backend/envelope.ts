// Turns whatever a handler threw into the one error envelope the renderer understands, so the
// user sees the real message and code, never "Error invoking remote method".
import type { ApiError, Envelope } from '../../shared/api/contract';
import { ContractError } from '../../shared/api/contract';
import { errorMessage } from '../../shared/model/errors';
import { HostError } from '../host/host';
import { BackendError } from './backend';

export function toApiError(error: unknown): ApiError {
  if (error instanceof ContractError) return { code: error.code, message: error.message };
  if (error instanceof BackendError) return { code: error.code, message: error.message };
  if (error instanceof HostError) return { code: `host.${error.code}`, message: error.message };
  return { code: 'internal', message: errorMessage(error) };
}

export async function envelope<T>(work: () => Promise<T>): Promise<Envelope<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: toApiError(error) };
  }
}
