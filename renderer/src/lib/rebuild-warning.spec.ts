// The Plan view's offer to write the module only appears with the rebuild warning, and not once
// the layout already says so.
import { describe, expect, it } from 'vitest';
import { diagnostic } from '../../../shared/model/diagnostic';
import { emptyLayout } from '../../../shared/model/layout';
import type { Plan } from '../../../shared/model/plan';
import { rebuildWarning } from './rebuild-warning';

const planWith = (codes: string[]): Plan => ({
  format: 'cohabit-plan/1',
  id: '0123456789abcdef',
  createdAt: '2026-11-28T00:00:00.000Z',
  pool: 'zroot',
  layoutSha256: '',
  steps: [],
  diagnostics: codes.map((c) => diagnostic(c, 'warning', c)),
  nextSteps: [],
});

describe('rebuildWarning', () => {
  const layout = emptyLayout('zroot');
  it('finds the warning of a rebuild from a changed or unchecked /etc/nixos', () => {
    expect(
      rebuildWarning(planWith(['vm.opencore-missing', 'main.config-changed']), layout)?.code,
    ).toBe('main.config-changed');
    expect(rebuildWarning(planWith(['main.config-unchecked']), layout)?.code).toBe(
      'main.config-unchecked',
    );
    expect(rebuildWarning(planWith(['main.import-manual']), layout)).toBeNull();
  });

  it('offers nothing once the layout writes the module only', () => {
    const only = { ...layout, host: { ...layout.host, mainConfiguration: 'module-only' as const } };
    expect(rebuildWarning(planWith(['main.config-changed']), only)).toBeNull();
  });
});
