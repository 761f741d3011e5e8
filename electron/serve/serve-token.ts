// The browser-mode token: a random secret in the URL `cohabit serve` prints, without which the
// server answers nothing. Compared in constant time so its bytes cannot be guessed one by one.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function createServeToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time equality; hashing first makes the comparison independent of the length too. */
export function tokensEqual(expected: string, given: string | null | undefined): boolean {
  if (given === null || given === undefined || given === '') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}
