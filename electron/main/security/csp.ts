// The Content-Security-Policy of every page the app shows: only the app's own scripts and styles,
// no plugins, no <base>, no framing, no form posts. Browser mode sends the same policy.
import type { Session } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../../../shared/api/content-security-policy';

export { CONTENT_SECURITY_POLICY };

/** Response headers with our policy in place of any the response brought (any letter case). */
export function withContentSecurityPolicy(
  headers: Record<string, string[]> | undefined,
): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'content-security-policy' || lower === 'content-security-policy-report-only') {
      continue;
    }
    result[name] = value;
  }
  result['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return result;
}

/**
 * Sets the policy on every response the session receives. The app scheme's handler sends it too;
 * this covers anything else that might load (an error page, a resource from another scheme).
 */
export function installContentSecurityPolicy(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) });
  });
}
