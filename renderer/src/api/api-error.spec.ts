// An error the UI shows quotes what the user opened or the machine said: a crafted plan file's
// name or a path in it must not reorder or hide the message around it.
import { describe, expect, it } from 'vitest';
import { toApiCallError } from './api-error';

describe('toApiCallError', () => {
  it('makes control, bidi and invisible characters in the message and detail visible', () => {
    const e = toApiCallError({
      code: 'plan.invalid',
      message: 'plan\u202enosj.exe is not JSON, so it is not a Cohabit plan.',
      detail: 'line one\nline\u001b[2K two',
    });
    expect(e.code).toBe('plan.invalid');
    expect(e.message).toBe('plan\\u202enosj.exe is not JSON, so it is not a Cohabit plan.');
    expect(e.detail).toBe('line one\nline\\x1b[2K two');
  });

  it('keeps an ordinary message as it is', () => {
    expect(toApiCallError(new Error('Could not read /etc/nixos: EACCES')).message).toBe(
      'Could not read /etc/nixos: EACCES',
    );
  });
});
