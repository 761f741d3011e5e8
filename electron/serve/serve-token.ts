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

/** Per port, so that two `cohabit serve` sessions on one machine do not overwrite each other's cookie. */
export function tokenCookieName(port: number): string {
  return `cohabit_token_${port}`;
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export function bearerToken(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}
