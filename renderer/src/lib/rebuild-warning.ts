// Whether the Plan view offers "Write the module only instead" (issue 18): the plan rebuilds the
// main system from an /etc/nixos that is not (or could not be shown to be) what built it.
import type { Diagnostic } from '../../../shared/model/diagnostic';
import type { Layout } from '../../../shared/model/layout';
import type { Plan } from '../../../shared/model/plan';

const CODES = new Set(['main.config-changed', 'main.config-unchecked']);

export function rebuildWarning(plan: Plan, layout: Layout | null): Diagnostic | null {
  if (layout === null || layout.host.mainConfiguration === 'module-only') return null;
  return plan.diagnostics.find((d) => CODES.has(d.code)) ?? null;
}
