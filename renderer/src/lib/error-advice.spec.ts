// Every code the envelope can carry has advice, bugs point to the log, and the switch is checked
// for exhaustiveness by the compiler (the @ts-expect-error lines fail typecheck if it is not).
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { ApiErrorSchema } from '../../../shared/api/contract';
import type { ApiErrorCode } from '../../../shared/api/error-codes';
import {
  API_ERROR_CODES,
  CONTRACT_ERROR_CODES,
  isApiErrorCode,
  unreachableCase,
} from '../../../shared/api/error-codes';
import { toApiCallError } from '../api/api-error';
import { errorAdvice } from './error-advice';

describe('errorAdvice', () => {
  it.each(API_ERROR_CODES)('answers %s with something to do or to report', (code) => {
    const advice = errorAdvice(code);
    expect(advice.text.length).toBeGreaterThan(10);
    // The contract's own failures are bugs: only a report helps.
    const bug = code === 'internal' || (CONTRACT_ERROR_CODES as readonly string[]).includes(code);
    if (bug) expect(advice.kind).toBe('report');
  });

  it('sends a bug to the log and the bug report', () => {
    expect(errorAdvice('internal')).toMatchObject({ kind: 'report' });
    expect(errorAdvice('internal').text).toContain('cohabit snapshot --log');
  });

  it('refuses, at run time, a code from a peer newer than this build', () => {
    expect(() => errorAdvice('plan.brand-new' as ApiErrorCode)).toThrow(/unhandled error code/);
  });

  it('is exhaustive by type: a code that is not never does not compile', () => {
    const code = 'internal' as ApiErrorCode;
    // @ts-expect-error: a whole union is not `never`, so a switch missing cases cannot end here.
    expect(() => unreachableCase(code, 'error code')).toThrow();
    // @ts-expect-error: a code outside the closed list is not an ApiErrorCode.
    const unknown: ApiErrorCode = 'something-else';
    expect(isApiErrorCode(unknown)).toBe(false);
  });
});

describe('the closed list at the boundary', () => {
  it('the envelope schema refuses a code outside the list', () => {
    expect(v.safeParse(ApiErrorSchema, { code: 'plan.unknown', message: 'm' }).success).toBe(true);
    expect(v.safeParse(ApiErrorSchema, { code: 'plan.mystery', message: 'm' }).success).toBe(false);
  });

  it('a rejection with an unknown code becomes internal, keeping its message', () => {
    const e = toApiCallError({ code: 'mystery', message: 'it broke' });
    expect([e.code, e.message]).toEqual(['internal', 'it broke']);
    expect(toApiCallError({ code: 'ssh.auth', message: 'no' }).code).toBe('ssh.auth');
  });
});
