// `npm run lint` part: Electronegativity (Doyensec's static checker for Electron apps, a dev
// dependency) over the app's Electron and renderer sources, and its CSP evaluator over the one
// Content-Security-Policy the app sends (shared/api/content-security-policy.ts), which the scan
// itself cannot read (it only parses a policy written as a string literal at the header).
// Every finding must be in electronegativity-allow.json with its reason, and every entry there
// must still be found (test/lint/security-findings.ts); anything else fails the lint.
//
// Offline: AvailableSecurityFixesGlobalCheck asks the network for Electron releases, so it is
// excluded; the only other request, for updated translations, gets a stand-in `got` that answers
// at once that there is no network (Electronegativity says so and keeps its bundled English
// texts), so the lint sends nothing anywhere. Run through its API rather than its command line:
// its CLI requires `commander` without declaring it, and gets this project's commander 14, whose
// API it predates.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../../shared/api/content-security-policy';
import { compareWithAllowList, formatFinding, parseAllowList } from './security-findings';
import type { SecurityFinding } from './security-findings';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

interface ElectronegativityIssue {
  id: string;
  file: string;
  location: { line: number; column: number };
  sample?: string;
  description: unknown;
}
type Run = (options: Record<string, unknown>) => Promise<{
  errors: unknown[];
  issues: ElectronegativityIssue[];
}>;
interface CspFinding {
  directive: string;
  value?: string;
  description: string;
}
interface CspEvaluatorModule {
  CspParser: new (policy: string) => { csp: unknown };
  CspEvaluator: new (csp: unknown, version: unknown) => { evaluate(): CspFinding[] };
  Version: { CSP3: unknown };
}

/** The sources the app runs (no specs), copied so that the scan sees them and nothing else. */
async function stage(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cohabit-electronegativity-'));
  const notSpec = (path: string) => !path.endsWith('.spec.ts');
  await cp(join(root, 'electron'), join(dir, 'electron'), { recursive: true, filter: notSpec });
  await cp(join(root, 'renderer/src'), join(dir, 'renderer/src'), {
    recursive: true,
    filter: notSpec,
  });
  await cp(join(root, 'renderer/index.html'), join(dir, 'renderer/index.html'));
  return dir;
}

/** The `got` Electronegativity requires, answered before it loads: every request fails at once. */
function withoutNetwork(): void {
  const home = dirname(require.resolve('@doyensec/electronegativity'));
  const got = require.resolve('got', { paths: [home] });
  const stand = new Module(got);
  stand.filename = got;
  stand.loaded = true;
  stand.exports = () => Promise.reject(new Error('no network in the lint'));
  require.cache[got] = stand;
}

async function scan(dir: string): Promise<SecurityFinding[]> {
  withoutNetwork();
  const run = require('@doyensec/electronegativity') as Run;
  const electron = require('electron/package.json') as { version: string };
  const result = await run({
    input: dir,
    isRelative: true,
    electronVersionOverride: electron.version,
    excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
    customScan: [],
    parserPlugins: [],
  });
  // A file it could not parse is a file it did not check.
  if (result.errors.length > 0)
    throw new Error(`Electronegativity could not read: ${JSON.stringify(result.errors)}`);
  return Promise.all(
    result.issues.map(async (issue) => {
      // Global checks give no sample: the line they point at stands in for it.
      let sample = issue.sample ?? '';
      if (sample === '' && issue.file !== 'N/A') {
        const text = await readFile(join(dir, issue.file), 'utf8');
        sample = text.split('\n')[issue.location.line - 1]?.trim() ?? '';
      }
      return {
        check: issue.id,
        file: issue.file,
        line: issue.location.line,
        sample,
        description: String(issue.description),
      };
    }),
  );
}

function evaluateCsp(): SecurityFinding[] {
  const csp = require('@doyensec/csp-evaluator') as CspEvaluatorModule;
  const parsed = new csp.CspParser(CONTENT_SECURITY_POLICY).csp;
  return new csp.CspEvaluator(parsed, csp.Version.CSP3).evaluate().map((f) => ({
    check: `CSP_EVALUATOR:${f.directive}`,
    file: 'shared/api/content-security-policy.ts',
    line: 0,
    sample: `${f.directive} ${f.value ?? ''}`.trim(),
    description: f.description,
  }));
}

const dir = await stage();
let findings: SecurityFinding[];
try {
  findings = [...(await scan(dir)), ...evaluateCsp()];
} finally {
  await rm(dir, { recursive: true, force: true });
}
const allowed = parseAllowList(
  await readFile(new URL('./electronegativity-allow.json', import.meta.url), 'utf8'),
);
const { unlisted, stale } = compareWithAllowList(findings, allowed);
for (const f of unlisted)
  console.error(`electronegativity: not in the allow-list:\n  ${formatFinding(f)}`);
for (const e of stale)
  console.error(
    `electronegativity: allow-list entry found nothing (remove it): ${e.check} ${e.file} "${e.sampleIncludes}"`,
  );
if (unlisted.length === 0 && stale.length === 0)
  console.log(
    `electronegativity: ${findings.length} finding(s), each in the allow-list with its reason.`,
  );
process.exit(unlisted.length === 0 && stale.length === 0 ? 0 : 1);
