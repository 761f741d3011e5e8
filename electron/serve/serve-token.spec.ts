// The token helpers: generation, constant-time comparison and reading the bearer header.
import { describe, expect, it } from 'vitest';
import { bearerToken, createServeToken, tokensEqual } from './serve-token';

describe('serve token', () => {
  it('is 32 random bytes in base64url, different each time', () => {
    const a = createServeToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createServeToken()).not.toBe(a);
  });

  it('compares equal only to itself, whatever the length of the guess', () => {
    const t = createServeToken();
    expect(tokensEqual(t, t)).toBe(true);
    expect(tokensEqual(t, t.slice(0, -1))).toBe(false);
    expect(tokensEqual(t, `${t}x`)).toBe(false);
    expect(tokensEqual(t, '')).toBe(false);
    expect(tokensEqual(t, null)).toBe(false);
  });

  it('reads the bearer header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
  });
});
