// Whether the plan on screen was made from the layout being drawn now. The Plan and Apply views
// share this one test, so a plan Apply would run is never one the Plan view calls outdated.
import type { Layout } from '../../../shared/model/layout';

/** True when a plan exists and the layout has changed since it was made (`planLayout` is its JSON). */
export function planOutdated(planLayout: string | null, layout: Layout | null): boolean {
  return planLayout !== null && layout !== null && JSON.stringify(layout) !== planLayout;
}
