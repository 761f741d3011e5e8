// Shares as the Machine view prints them (sizes: shared/model/format-bytes.spec.ts).
import { describe, expect, it } from 'vitest';
import { formatIommuGroup, formatPercent, percentWidth } from './format';

describe('formatPercent', () => {
  it('never shows 0 % for something used or 100 % for something not full', () => {
    expect(formatPercent(1, 1000)).toBe('<1 %');
    expect(formatPercent(999, 1000)).toBe('99 %');
    expect(formatPercent(1000, 1000)).toBe('100 %');
    expect(formatPercent(31, 100)).toBe('31 %');
    expect(formatPercent(1, 0)).toBe('—');
  });
});

describe('percentWidth', () => {
  it('clamps to 0..100', () => {
    expect(percentWidth(150, 100)).toBe(100);
    expect(percentWidth(-5, 100)).toBe(0);
    expect(percentWidth(NaN, 100)).toBe(0);
    expect(percentWidth(25, 100)).toBe(25);
  });
});

describe('formatIommuGroup', () => {
  it('names the group, and says plainly when there is none (group 0 is a group)', () => {
    expect(formatIommuGroup(0)).toBe('IOMMU group 0');
    expect(formatIommuGroup(17)).toBe('IOMMU group 17');
    expect(formatIommuGroup(null)).toBe('no IOMMU group');
    expect(formatIommuGroup(undefined)).toBe('no IOMMU group');
  });
});
