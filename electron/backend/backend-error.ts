// The error the backend means the user to see, with a code the renderer can act on; its own file
// so that the backend's parts can throw it without importing the backend.
import type { BackendErrorCode, SshErrorCode } from '../../shared/api/error-codes';

export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    /** From the closed lists in shared/api/error-codes.ts: a new code must be added there. */
    readonly code: BackendErrorCode | SshErrorCode,
    message: string,
  ) {
    super(message);
  }
}
