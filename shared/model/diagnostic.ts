// Diagnostics: the one way every layer reports a problem a user should see, with a code to test
// against, plain words, where it came from and what to do about it.
import * as v from 'valibot';

export const SeveritySchema = v.picklist(['info', 'warning', 'error']);
export type Severity = v.InferOutput<typeof SeveritySchema>;

export const DiagnosticSchema = v.object({
  code: v.string(),
  severity: SeveritySchema,
  message: v.string(),
  /** The file path or argv (joined with spaces, for display only) the problem came from. */
  source: v.optional(v.string()),
  /** What the user can do about it. */
  fix: v.optional(v.string()),
  /** The element concerned: a PCI address, a pool, a layout path such as `systems[0].dataset`. */
  subject: v.optional(v.string()),
});
export type Diagnostic = v.InferOutput<typeof DiagnosticSchema>;

export function diagnostic(
  code: string,
  severity: Severity,
  message: string,
  extra: { source?: string; fix?: string; subject?: string } = {},
): Diagnostic {
  const d: Diagnostic = { code, severity, message };
  if (extra.source !== undefined) d.source = extra.source;
  if (extra.fix !== undefined) d.fix = extra.fix;
  if (extra.subject !== undefined) d.subject = extra.subject;
  return d;
}
