// Tests for the analysis's terminal and --json renderings, on real forum listings (moved here
// verbatim from passthrough.spec.ts, beside the code they test).
import { describe, expect, it } from 'vitest';
import { iommuFixture as fixture } from '../../test/fixtures/iommu/iommu-fixtures';
import { parseIommuListing } from '../parse/iommu-listing';
import { formatAnalysisJson, formatAnalysisText, type analysisJsonValue } from './format-analysis';
import { contextFromListing } from './listing-context';
import { analyzePassthrough } from './passthrough';

const analyzeFixture = (name: string) =>
  analyzePassthrough(contextFromListing(parseIommuListing(fixture(name))));
const full = (...xs: string[]) => xs.map((x) => `0000:${x}`);

describe('format-analysis', () => {
  it('prints the --json shape of issue 3 with full addresses', () => {
    const a = analyzeFixture('thinkpad-p53-quadro-rtx4000.txt');
    const parsed = JSON.parse(formatAnalysisJson(a)) as ReturnType<typeof analysisJsonValue>;
    expect(parsed.groups).toBe(29);
    expect(parsed.devices).toBe(39);
    expect(parsed.gpus[1]).toMatchObject({
      address: '0000:01:00.0',
      group: 2,
      passTogether: full('01:00.0', '01:00.1', '01:00.2', '01:00.3'),
      foreign: [],
      clean: true,
      vfioIds: ['10de:1eb6', '10de:10f8', '10de:1ad8', '10de:1ad9'],
      bindByAddress: false,
      verdict: 'ok',
      reasons: [],
    });
    expect(parsed.checksNotMade.length).toBeGreaterThan(0);
  });

  it('prints plain text with the same messages and fixes', () => {
    const a = analyzeFixture('amd-b450-gt720-chipset-group.txt');
    const text = formatAnalysisText(a);
    expect(text).toContain(
      'GPU 0000:06:00.0 NVIDIA Corporation GK208B [GeForce GT 720] (group 15): WARN',
    );
    const reason = a.gpus[0]?.reasons[0];
    expect(reason?.fix).toBeDefined();
    expect(text).toContain(reason?.message ?? '?');
    expect(text).toContain(`fix: ${reason?.fix ?? '?'}`);
    expect(text).toContain('which GPU drives the host display (boot_vga)');
  });
});
