import { EventEmitter } from 'node:events';
import type { Session } from 'electron';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY as BROWSER_MODE_POLICY } from '../../serve/security-headers';
import {
  CONTENT_SECURITY_POLICY,
  installContentSecurityPolicy,
  withContentSecurityPolicy,
} from './csp';

function directives(policy: string): Map<string, string> {
  return new Map(
    policy.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')];
    }),
  );
}

describe('the content security policy', () => {
  it('allows only our own scripts: no inline, no eval, no plugins, no base, no framing, no forms', () => {
    const policy = directives(CONTENT_SECURITY_POLICY);
    expect(policy.get('default-src')).toBe("'self'");
    expect(policy.get('script-src')).toBe("'self'");
    expect(policy.get('object-src')).toBe("'none'");
    expect(policy.get('base-uri')).toBe("'none'");
    expect(policy.get('frame-ancestors')).toBe("'none'");
    expect(policy.get('form-action')).toBe("'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('is the policy browser mode sends, so the UI behaves the same in both', () => {
    expect(directives(CONTENT_SECURITY_POLICY)).toEqual(directives(BROWSER_MODE_POLICY));
  });

  it('replaces a weaker policy a response brought, whatever its letter case', () => {
    const headers = withContentSecurityPolicy({
      'content-security-policy': ["default-src *; script-src 'unsafe-inline'"],
      'Content-Security-Policy-Report-Only': ['default-src *'],
      'Content-Type': ['text/html'],
    });
    expect(headers).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
  });

  it('is set on every response the session receives', () => {
    type Listener = (
      details: { responseHeaders?: Record<string, string[]> },
      callback: (r: { responseHeaders: Record<string, string[]> }) => void,
    ) => void;
    let listener: Listener | undefined;
    const session = Object.assign(new EventEmitter(), {
      webRequest: { onHeadersReceived: (l: Listener) => (listener = l) },
    }) as unknown as Session;
    installContentSecurityPolicy(session);
    let answer: Record<string, string[]> | undefined;
    listener?.({ responseHeaders: { Server: ['x'] } }, (r) => (answer = r.responseHeaders));
    expect(answer?.['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(answer?.Server).toEqual(['x']);
  });
});
