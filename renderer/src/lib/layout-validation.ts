// What the editor says about a layout: the planner's diagnostics for the whole layout, and the
// passthrough analysis's answer for one device dropped on one VM, before it is accepted.
import { analyzeSelection, machineAnalysisContext } from '../../../shared/analysis/passthrough';
import type { AnalysisContext, PassthroughCandidate } from '../../../shared/analysis/passthrough';
import type { Diagnostic } from '../../../shared/model/diagnostic';
import { diagnostic } from '../../../shared/model/diagnostic';
import type { Inventory } from '../../../shared/model/inventory';
import type { Layout } from '../../../shared/model/layout';
import * as v from 'valibot';
import { LayoutSchema, issuePath } from '../../../shared/model/layout';
import { validate } from '../../../shared/planner/validate';
import { plainProblem } from './field-names';

/** The drag data type of a device card: a PCI address. */
export const DEVICE_DRAG_TYPE = 'application/x-cohabit-pci-address';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/**
 * Every problem with `layout` on this machine: the schema's (each names its field) and the
 * planner's. The only place the editor calls the planner.
 */
export function validateLayout(inventory: Inventory, layout: Layout): Diagnostic[] {
  const parsed = v.safeParse(LayoutSchema, layout);
  // The schema's findings in the editor's words: the field as labelled, and whose it is.
  const out: Diagnostic[] = parsed.success
    ? []
    : parsed.issues.map((issue) => {
        const subject = issuePath(issue) || 'layout';
        return diagnostic('layout.invalid', 'error', plainProblem(layout, subject, issue), {
          subject,
        });
      });
  try {
    out.push(...validate(inventory, layout));
  } catch (e) {
    // A layout that fails the schema may trip a planner check; the schema's message already says why.
    if (parsed.success)
      out.push(
        diagnostic(
          'layout.check-failed',
          'error',
          `The layout could not be checked: ${String(e)}`,
          {
            subject: 'layout',
          },
        ),
      );
  }
  const seen = new Set<string>();
  return out
    .filter((d) => {
      const key = `${d.subject ?? ''}|${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

/** The diagnostics about one layout element or field: `vms[0]` holds `vms[0].devices[1]`. */
export function diagnosticsAt(diagnostics: readonly Diagnostic[], path: string): Diagnostic[] {
  return diagnostics.filter((d) => {
    const s = d.subject ?? '';
    return s === path || s.startsWith(`${path}.`) || s.startsWith(`${path}[`);
  });
}

/** The worst severity among `diagnostics`, for marking an element. */
export function worstSeverity(diagnostics: readonly Diagnostic[]): Diagnostic['severity'] | null {
  return diagnostics.reduce<Diagnostic['severity'] | null>(
    (worst, d) =>
      worst === null || SEVERITY_ORDER[d.severity] < SEVERITY_ORDER[worst] ? d.severity : worst,
    null,
  );
}

function analysisContext(inventory: Inventory, layout: Layout): AnalysisContext {
  // An inventory read from a machine has every fact the analysis can use; one context per
  // inventory, so its facts are built once however often the layout changes.
  return machineAnalysisContext(inventory, { hostHeadless: layout.host.headless });
}

export interface DeviceCard {
  address: string;
  kind: 'gpu' | 'usb';
  name: string;
  /** The analysis for this device alone, with the layout's headless setting. */
  candidate: PassthroughCandidate;
  /** The VM (index) it is given to, if any. */
  assignedTo: number | null;
  drivesDisplay: boolean;
  hasKeyboard: boolean;
}

/**
 * The devices a user can drag onto a VM: every GPU, and every USB controller that is not one of a
 * GPU's own functions (the NVIDIA card's USB-C controller goes with the card).
 */
export function deviceCards(inventory: Inventory, layout: Layout): DeviceCard[] {
  const ctx = analysisContext(inventory, layout);
  const gpuFunctions = new Set(inventory.gpus.flatMap((g) => g.functions));
  const ownerOf = (address: string): number | null => {
    const i = layout.vms.findIndex((vm) => vm.devices.includes(address));
    return i < 0 ? null : i;
  };
  return [
    ...inventory.gpus.map((g): DeviceCard => ({
      address: g.address,
      kind: 'gpu',
      name: g.name,
      candidate: analyzeSelection(ctx, [g.address]),
      assignedTo: ownerOf(g.address),
      drivesDisplay: g.drivesDisplay,
      hasKeyboard: false,
    })),
    ...inventory.usb
      .filter((u) => !gpuFunctions.has(u.address))
      .map((u): DeviceCard => ({
        address: u.address,
        kind: 'usb',
        name: u.name,
        candidate: analyzeSelection(ctx, [u.address]),
        assignedTo: ownerOf(u.address),
        drivesDisplay: false,
        hasKeyboard: u.hasKeyboard || u.hasMouse,
      })),
  ];
}

export type DropVerdict =
  | { ok: true; candidate: PassthroughCandidate; warnings: string[] }
  | { ok: false; reasons: string[]; fixes: string[] };

/**
 * Whether `address` may go to the VM at `vmIndex`: refused when the analysis refuses it (a group
 * shared with something the host needs, the display GPU of a host that keeps its display), or
 * when part of what must go along already belongs to another VM.
 */
export function checkDrop(
  inventory: Inventory,
  layout: Layout,
  vmIndex: number,
  address: string,
): DropVerdict {
  const vm = layout.vms[vmIndex];
  if (vm === undefined) return { ok: false, reasons: ['There is no such VM.'], fixes: [] };
  const ctx = analysisContext(inventory, layout);
  const candidate = analyzeSelection(ctx, [address]);
  if (candidate.verdict === 'refuse') {
    const refusing = candidate.reasons.filter((r) => r.severity === 'refuse');
    return {
      ok: false,
      reasons: refusing.map((r) => r.message),
      fixes: [...new Set(refusing.map((r) => r.fix).filter((f): f is string => f !== undefined))],
    };
  }
  const needed = new Set(candidate.passTogether);
  for (const [i, other] of layout.vms.entries()) {
    if (i === vmIndex || other.devices.length === 0) continue;
    const theirs = analyzeSelection(ctx, other.devices).passTogether;
    const clash = theirs.filter((a) => needed.has(a));
    if (clash.length > 0)
      return {
        ok: false,
        reasons: [
          `${clash.join(', ')} must go with ${address} but already belongs to the VM ${other.name}.`,
        ],
        fixes: [`Remove it from ${other.name} first: a device can go to one VM only.`],
      };
  }
  return {
    ok: true,
    candidate,
    warnings: candidate.reasons.filter((r) => r.severity === 'warn').map((r) => r.message),
  };
}
