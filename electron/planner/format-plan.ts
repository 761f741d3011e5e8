// A Plan as text for the terminal: numbered steps with their risk, the shell line or the diff,
// and the undo; diagnostics first, what to do next last.
import type { Diagnostic } from '../../shared/model/diagnostic';
import type { Plan } from '../../shared/model/plan';
import { visibleText } from '../../shared/model/visible-text';

const BADGE: Record<string, string> = {
  'read-only': '[read-only]',
  creates: '[creates]',
  modifies: '[MODIFIES]',
  destructive: '[DESTRUCTIVE]',
};

/** Diagnostics quote names and files from the machine and the layout: made visible, lines kept. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const text = diagnostics
    .map((d) => {
      const where = d.subject === undefined ? '' : ` (${d.subject})`;
      const fix = d.fix === undefined ? '' : `\n    fix: ${d.fix.replaceAll('\n', '\n    ')}`;
      return `${d.severity}${where} ${d.code}: ${d.message}${fix}\n`;
    })
    .join('');
  return visibleText(text, { multiline: true });
}

/**
 * The plan as the terminal shows it. Titles and diffs hold text from the machine (the current
 * /etc/nixos files, labels): every control, bidi and invisible character is made visible, and
 * line feeds and tabs are kept for the diffs.
 */
export function formatPlanText(plan: Plan): string {
  return visibleText(planText(plan), { multiline: true });
}

function planText(plan: Plan): string {
  let out = `Plan ${plan.id} for pool ${plan.pool}: ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}. Nothing has run.\n`;
  if (plan.diagnostics.length > 0) out += `\n${formatDiagnostics(plan.diagnostics)}`;
  if (plan.steps.length === 0) {
    out += plan.diagnostics.some((d) => d.severity === 'error')
      ? '\nNothing is planned until the errors above are fixed.\n'
      : '\nNothing to do: the machine already matches the layout.\n';
    return out;
  }
  plan.steps.forEach((step, i) => {
    out += `\n${String(i + 1).padStart(2)}. ${BADGE[step.risk] ?? step.risk} ${step.title}\n`;
    out += `    why: ${step.why.text} (${step.why.element})\n`;
    if (step.preview.kind === 'command') out += `    $ ${step.preview.shell}\n`;
    else {
      out += `    ${step.preview.previous === null ? 'new file' : 'change'} ${step.preview.path}:\n`;
      out += step.preview.diff
        .split('\n')
        .filter((line) => !line.startsWith('Index: ') && !line.startsWith('====='))
        .map((line) => (line === '' ? '' : `    ${line}`))
        .join('\n')
        .replace(/\n*$/, '\n');
    }
    out += `    undo: ${step.undo.text}\n`;
    for (const line of step.undo.shell) out += `      $ ${line}\n`;
  });
  if (plan.nextSteps.length > 0)
    out += `\nAfterwards:\n${plan.nextSteps.map((s) => `  - ${s}\n`).join('')}`;
  const once = plan.bootOnce;
  if (once !== undefined && once.entries.length > 0)
    out += once.possible
      ? `\nBoot once: \`cohabit apply --boot-once\` then has GRUB start the new system at the next boot only (grub-editenv ${once.envFile} set next_entry=${once.entries.map((e) => e.entryId).join('|')}).\n`
      : `\nBoot once: not here. ${once.reason}\n`;
  return out;
}
