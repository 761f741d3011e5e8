// The envelope says code and message; the log keeps what it drops (the stack, the channel).
import { describe, expect, it } from 'vitest';
import type { AppLog, LogFields } from '../log/app-log';
import { HostError } from '../host/host';
import { BackendError } from './backend-error';
import { envelope, toApiError } from './envelope';

describe('envelope', () => {
  it('answers a bug as internal, and the log keeps its stack and channel', async () => {
    const written: { event: string; fields: LogFields }[] = [];
    const log: AppLog = {
      path: '/x',
      write: (_l, event, fields = {}) => written.push({ event, fields }),
    };
    const answer = await envelope(
      () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'pools')")),
      { to: log, channel: 'plan:make' },
    );
    expect(answer).toEqual({
      ok: false,
      error: { code: 'internal', message: "Cannot read properties of undefined (reading 'pools')" },
    });
    expect(JSON.stringify(answer)).not.toContain('    at ');
    expect(written[0]?.event).toBe('call-failed');
    expect(written[0]?.fields).toMatchObject({ channel: 'plan:make', code: 'internal' });
    expect(written[0]?.fields.stack).toMatch(/TypeError: .*\n\s+at /);
  });

  it('keeps the closed codes of backend and host errors', () => {
    expect(toApiError(new BackendError('plan.unknown', 'm')).code).toBe('plan.unknown');
    expect(toApiError(new HostError('UNREACHABLE', 'ssh://box')).code).toBe('host.UNREACHABLE');
  });
});
