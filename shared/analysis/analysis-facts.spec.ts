// The analysis context and its facts are built once per inventory: the app's live validation
// calls the analysis on every edit, and the answers must not depend on which call came first.
import { describe, expect, it } from 'vitest';
import { iommuFixture } from '../../test/fixtures/iommu/iommu-fixtures';
import { parseIommuListing } from '../parse/iommu-listing';
import { analysisFacts, machineAnalysisContext } from './analysis-facts';
import { contextFromListing } from './listing-context';
import { analyzeSelection } from './passthrough';

const inventory = () =>
  contextFromListing(parseIommuListing(iommuFixture('amd-b450-gt720-chipset-group.txt'))).inventory;

describe('machineAnalysisContext', () => {
  it('gives one context per inventory and headless choice, with every fact known', () => {
    const inv = inventory();
    const kept = machineAnalysisContext(inv, { hostHeadless: false });
    expect(machineAnalysisContext(inv, { hostHeadless: false })).toBe(kept);
    expect(machineAnalysisContext(inv, { hostHeadless: true })).not.toBe(kept);
    expect(machineAnalysisContext(inv, { hostHeadless: true }).hostHeadless).toBe(true);
    expect(kept.facts).toEqual({ sysfs: true, disks: true, usb: true, network: true });
    expect(machineAnalysisContext(inventory(), { hostHeadless: false })).not.toBe(kept);
  });

  it('builds the facts once per context, and the same answers either way', () => {
    const inv = inventory();
    const ctx = machineAnalysisContext(inv, { hostHeadless: false });
    const facts = analysisFacts(ctx);
    expect(analysisFacts(ctx)).toBe(facts);
    const fresh = { ...ctx };
    expect(analysisFacts(fresh)).not.toBe(facts);
    const chosen = ['0000:06:00.0', '0000:07:00.0'];
    expect(analyzeSelection(ctx, chosen)).toEqual(analyzeSelection(fresh, chosen));
  });
});
