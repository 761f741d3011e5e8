// Renders a passthrough analysis for `cohabit analyze`: the `--json` shape of issue 3 and plain
// terminal text. The UI shows the same reason messages, so wording lives in passthrough.ts only.
import type { PassthroughAnalysis, PassthroughCandidate } from './passthrough';

function candidateJson(c: PassthroughCandidate) {
  return {
    address: c.address,
    name: c.name,
    group: c.group,
    passTogether: c.passTogether,
    foreign: c.foreign,
    clean: c.clean,
    vfioIds: c.vfioIds,
    bindByAddress: c.bindByAddress,
    verdict: c.verdict,
    reasons: c.reasons.map((r) => ({
      code: r.code,
      severity: r.severity,
      message: r.message,
      devices: r.devices,
      ...(r.fix === undefined ? {} : { fix: r.fix }),
    })),
    groupsInvolved: c.groupsInvolved,
  };
}

/** The value printed by `--json`: plain JSON data. */
export function analysisJsonValue(a: PassthroughAnalysis) {
  return {
    groups: a.groups,
    devices: a.devices,
    gpus: a.gpus.map(candidateJson),
    usbControllers: a.usbControllers.map(candidateJson),
    checksNotMade: a.checksNotMade,
    global: a.global.map((r) => ({ code: r.code, severity: r.severity, message: r.message })),
  };
}

export function formatAnalysisJson(a: PassthroughAnalysis): string {
  return `${JSON.stringify(analysisJsonValue(a), null, 2)}\n`;
}

function candidateText(kind: string, c: PassthroughCandidate): string[] {
  const group = c.group === null ? 'no group' : `group ${c.group}`;
  const out = [`${kind} ${c.address} ${c.name} (${group}): ${c.verdict.toUpperCase()}`];
  out.push(`  pass together: ${c.passTogether.join(', ') || '(nothing)'}`);
  if (c.foreign.length > 0) out.push(`  not its own:   ${c.foreign.join(', ')}`);
  out.push(
    `  vfio-pci ids:  ${c.vfioIds.join(',') || '(none)'}${c.bindByAddress ? ' (bind by PCI address)' : ''}`,
  );
  for (const r of c.reasons) {
    out.push(`  - ${r.severity}: ${r.message} [${r.code}]`);
    if (r.fix) out.push(`    fix: ${r.fix}`);
  }
  return out;
}

export function formatAnalysisText(a: PassthroughAnalysis): string {
  const out = [`${a.groups} IOMMU groups, ${a.devices} PCI devices.`];
  if (a.checksNotMade.length > 0) {
    out.push('Not checked (the source does not tell):');
    for (const c of a.checksNotMade) out.push(`  - ${c.message}`);
  }
  if (a.gpus.length === 0) out.push('', 'No GPU found.');
  for (const c of a.gpus) out.push('', ...candidateText('GPU', c));
  for (const c of a.usbControllers) out.push('', ...candidateText('USB controller', c));
  return `${out.join('\n')}\n`;
}
