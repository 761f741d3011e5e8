import { describe, expect, it } from 'vitest';
import { emptyLayout } from '../../../shared/model/layout';
import { addSystem } from './layout-store';
import { planOutdated } from './plan-freshness';

describe('planOutdated', () => {
  const layout = addSystem(emptyLayout('zroot'));
  it('is false for the layout the plan was made from, true once it changes', () => {
    const made = JSON.stringify(layout);
    expect(planOutdated(made, layout)).toBe(false);
    expect(planOutdated(made, { ...layout, host: { headless: true } })).toBe(true);
  });
  it('is false without a plan or without a layout', () => {
    expect(planOutdated(null, layout)).toBe(false);
    expect(planOutdated(JSON.stringify(layout), null)).toBe(false);
  });
});
