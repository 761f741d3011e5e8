// The one Content-Security-Policy of every page Cohabit shows, in the Electron window and in
// browser mode alike: only the app's own scripts and styles, no plugins, no <base>, no framing.

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
