// The planner and the helper's allow-list agree: on every demo machine, the seed plan (with the
// main configuration edited, or the module only) asks only for files, modes and mount options the
// helper allows. The rules are read off the planner; this keeps them from drifting apart.
import { describe, expect, it } from 'vitest';
import { DEMO_MACHINE_LIST } from '../../shared/api/demo-machines';
import { seedLayout } from '../../shared/planner/examples';
import { plan } from '../../shared/planner/plan';
import { loadDemoHost } from '../../electron/host/select-host';
import { readInventory } from '../../electron/inventory/read-inventory';
import { readPlanFiles } from '../../electron/planner/read-plan-files';
import { staticRuleProblems } from '../../electron/helper/allow-list';

describe.each(DEMO_MACHINE_LIST.map((d) => d.name))('the seed plan on %s', (name) => {
  for (const mainConfiguration of ['edit', 'module-only'] as const)
    it(`keeps every rule of the allow-list (main configuration: ${mainConfiguration})`, async () => {
      const host = await loadDemoHost(name);
      const inventory = await readInventory(host);
      const base = seedLayout(inventory);
      const layout = { ...base, host: { ...base.host, mainConfiguration } };
      const files = await readPlanFiles(host, inventory, layout);
      const p = await plan(inventory, layout, {
        id: '00000000c0ffee00',
        now: '2026-11-27T00:00:00Z',
        files: files.files,
        dirs: files.dirs,
      });
      expect(p.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(p.steps.some((s) => s.call.verb === 'file.write')).toBe(true);
      const broken = p.steps.flatMap((s) =>
        staticRuleProblems(s).problems.map((problem) => `${s.id}: ${problem}`),
      );
      expect(broken).toEqual([]);
      // The one edit in place is configuration.nix's import line, and only when editing.
      const edits = p.steps.filter((s) => staticRuleProblems(s).configEdit);
      expect(edits.map((s) => s.call.verb === 'file.write' && s.call.args.path)).toEqual(
        mainConfiguration === 'edit' ? ['/etc/nixos/configuration.nix'] : [],
      );
    });
});
