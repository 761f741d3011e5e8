// Sizes and shares as the Machine view prints them.
import { describe, expect, it } from 'vitest';
import { formatBytes, formatPercent, percentWidth } from './format';

describe('formatBytes', () => {
  it('uses binary units with sensible precision', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(991_063_932_928)).toBe('923 GiB');
    expect(formatBytes(16 * 1024 ** 3)).toBe('16.0 GiB');
    expect(formatBytes(2 * 1024 ** 4)).toBe('2.00 TiB');
    expect(formatBytes(-1)).toBe('—');
  });
});

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
