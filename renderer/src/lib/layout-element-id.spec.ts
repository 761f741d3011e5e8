// Diagnostics lead to fields by id: ids are stable per path and every path finds its enclosing card.
import { describe, expect, it } from 'vitest';
import { elementId, pathAncestors } from './layout-element-id';

describe('layout element ids', () => {
  it('gives a field and its card distinct, valid ids', () => {
    expect(elementId('systems[0].dataset')).toBe('le-systems-0-dataset');
    expect(elementId('systems[0]')).toBe('le-systems-0');
    expect(elementId('systems[1]')).not.toBe(elementId('systems[0]'));
  });

  it('walks from a field up to its list', () => {
    expect(pathAncestors('vms[0].devices[1]')).toEqual([
      'vms[0].devices[1]',
      'vms[0].devices',
      'vms[0]',
      'vms',
    ]);
    expect(pathAncestors('pool')).toEqual(['pool']);
  });
});
