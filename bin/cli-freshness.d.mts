// Types of bin/cli-freshness.mjs (plain JavaScript: bin/cohabit.mjs runs it before tsx is loaded).
export const MANIFEST: string;
export const BUNDLE: string;

export interface SourcesManifest {
  format: string;
  bundle: { size: number; mtimeMs: number };
  files: Record<string, { size: number; mtimeMs: number; sha256: string }>;
}

export function recordSources(
  root: string,
  files: readonly string[],
  bundlePath: string,
): SourcesManifest;

export function bundleIsFresh(root: string): boolean;
