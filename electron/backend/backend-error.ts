// The error the backend means the user to see, with a code the renderer can act on; its own file
// so that the backend's parts can throw it without importing the backend.
export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
