// The one error the UI shows for a failed call: the backend's code and message, never
// "Error invoking remote method" or a stack trace.
import { ContractError } from '../../../shared/api/contract';
import { visibleText } from '../../../shared/model/visible-text';
import type { ApiErrorCode } from '../../../shared/api/error-codes';
import { isApiErrorCode } from '../../../shared/api/error-codes';

export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  readonly detail?: string;
  /**
   * The message and detail often quote what the user opened (a plan file's name, a path in it) or
   * what the machine said: every control, bidi and invisible character in them is made visible.
   */
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    detail?: string,
  ) {
    super(visibleText(message, { multiline: true }));
    if (detail !== undefined) this.detail = visibleText(detail, { multiline: true });
  }
}

function field(value: object, key: string): unknown {
  return (value as Record<string, unknown>)[key];
}

/** Whatever a call rejected with, as an ApiCallError (keeps a code and message when it has them). */
export function toApiCallError(error: unknown): ApiCallError {
  if (error instanceof ApiCallError) return error;
  if (error instanceof ContractError) return new ApiCallError(error.code, error.message);
  if (typeof error === 'object' && error !== null) {
    const code = field(error, 'code');
    const message = field(error, 'message');
    const detail = field(error, 'detail');
    // A code outside the closed list is a peer out of step with this build: shown as internal.
    if (isApiErrorCode(code) && typeof message === 'string')
      return new ApiCallError(code, message, typeof detail === 'string' ? detail : undefined);
    if (typeof message === 'string') return new ApiCallError('internal', message);
  }
  return new ApiCallError('internal', String(error));
}
