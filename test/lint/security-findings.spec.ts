import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareWithAllowList, parseAllowList } from './security-findings';
import type { AllowedFinding, SecurityFinding } from './security-findings';

const finding = (over: Partial<SecurityFinding> = {}): SecurityFinding => ({
  check: 'OPEN_EXTERNAL_JS_CHECK',
  file: 'electron/main/app.ts',
  line: 51,
  sample: 'openExternal: (url) => shell.openExternal(url)',
  description: 'Review the use of openExternal',
  ...over,
});

const entry = (over: Partial<AllowedFinding> = {}): AllowedFinding => ({
  check: 'OPEN_EXTERNAL_JS_CHECK',
  file: 'electron/main/app.ts',
  sampleIncludes: 'shell.openExternal(url)',
  reason: 'only reached through the allow-list of documentation origins',
  ...over,
});

describe('compareWithAllowList', () => {
  it('passes a finding its entry covers, whatever line it moved to', () => {
    expect(compareWithAllowList([finding({ line: 90 })], [entry()])).toEqual({
      unlisted: [],
      stale: [],
    });
  });

  it('fails a finding of another check, another file or another piece of code', () => {
    for (const other of [
      finding({ check: 'SANDBOX_JS_CHECK' }),
      finding({ file: 'electron/main/ipc.ts' }),
      finding({ sample: 'shell.openExternal(request.body)' }),
    ])
      expect(compareWithAllowList([other], [entry()]).unlisted).toEqual([other]);
  });

  it('reports an entry that no longer matches anything as stale', () => {
    expect(compareWithAllowList([], [entry()]).stale).toEqual([entry()]);
  });
});

describe('parseAllowList', () => {
  it('refuses an entry without a reason', () => {
    const text = JSON.stringify({ allowed: [{ ...entry(), reason: ' ' }] });
    expect(() => parseAllowList(text)).toThrow(/entry 0: "reason" must be a non-empty string/);
    expect(() => parseAllowList('[]')).toThrow(/must be \{ "allowed"/);
  });

  it('reads the checked-in list, every entry with its reason', () => {
    const list = parseAllowList(
      readFileSync(new URL('./electronegativity-allow.json', import.meta.url), 'utf8'),
    );
    expect(list.length).toBeGreaterThan(0);
    for (const e of list) expect(e.reason.length).toBeGreaterThan(40);
  });
});
