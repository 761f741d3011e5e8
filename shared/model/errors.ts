// Typed errors thrown inside a layer; boundaries turn them into coded values.

/** A parser met text it cannot read. Parsers throw only this. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  constructor(
    readonly format: string,
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? `${format}: ${message}` : `${format}, line ${line}: ${message}`);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
