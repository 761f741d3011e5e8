// Headers on every browser-mode response: a strict Content-Security-Policy (the same policy the
// Electron window uses), no sniffing, no referrer, no framing.

import { CONTENT_SECURITY_POLICY } from '../../shared/api/content-security-policy';

export { CONTENT_SECURITY_POLICY };

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
