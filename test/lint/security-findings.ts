// What the Electron security lint (test/lint/electronegativity.ts) reports, compared with the
// allow-list (electronegativity-allow.json): every finding must be listed with the reason it is a
// false positive or accepted, and every listed entry must still be found, so the list can neither
// hide a new finding nor keep an entry after its cause is gone.
//
// A finding is matched by its check, its file and a snippet of the code it points at (or of the
// CSP source it names), never by line number: an unrelated edit above it must not break the lint,
// and the same check on another line of the same file must not pass unseen.

export interface SecurityFinding {
  /** Electronegativity's check id (e.g. OPEN_EXTERNAL_JS_CHECK), or CSP_EVALUATOR:<directive>. */
  check: string;
  /** Relative to the scanned tree, e.g. electron/main/app.ts; the constant's file for the CSP. */
  file: string;
  line: number;
  /** The code at the finding, or for the CSP the directive value it is about. */
  sample: string;
  description: string;
}

export interface AllowedFinding {
  check: string;
  file: string;
  /** A part of the finding's sample: the entry covers only findings whose sample contains it. */
  sampleIncludes: string;
  /** Why this is a false positive or an accepted risk: required, never empty. */
  reason: string;
}

export interface Comparison {
  /** Findings no entry covers: each fails the lint. */
  unlisted: SecurityFinding[];
  /** Entries that covered no finding: stale, each fails the lint. */
  stale: AllowedFinding[];
}

function covers(entry: AllowedFinding, finding: SecurityFinding): boolean {
  return (
    entry.check === finding.check &&
    entry.file === finding.file &&
    finding.sample.includes(entry.sampleIncludes)
  );
}

export function compareWithAllowList(
  findings: readonly SecurityFinding[],
  allowed: readonly AllowedFinding[],
): Comparison {
  return {
    unlisted: findings.filter((f) => !allowed.some((entry) => covers(entry, f))),
    stale: allowed.filter((entry) => !findings.some((f) => covers(entry, f))),
  };
}

/** The allow-list file, checked: each entry has every field as a non-empty string. */
export function parseAllowList(text: string): AllowedFinding[] {
  const data: unknown = JSON.parse(text);
  const entries = (data as { allowed?: unknown } | null)?.allowed;
  if (!Array.isArray(entries)) throw new Error('the allow-list must be { "allowed": [ ... ] }');
  return entries.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const field = (name: keyof AllowedFinding): string => {
      const value = e[name];
      if (typeof value !== 'string' || value.trim() === '')
        throw new Error(`allow-list entry ${i}: "${name}" must be a non-empty string`);
      return value;
    };
    return {
      check: field('check'),
      file: field('file'),
      sampleIncludes: field('sampleIncludes'),
      reason: field('reason'),
    };
  });
}

export function formatFinding(f: SecurityFinding): string {
  return `${f.check} ${f.file}:${f.line}: ${f.description}\n    ${f.sample}`;
}
