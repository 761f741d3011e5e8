// Passthrough analysis: for each GPU, USB controller and other PCI endpoint, what must go to a VM
// with it, whether that is safe for the host, and why (DESIGN.md section 7). Pure: Inventory in.
// What goes together is worked out once per candidate (selectionOf); each check is a rule in
// passthrough-rules.ts; the facts every candidate shares are built once per context.
import type { PciDevice } from '../model/inventory';
import { HOST_SIDE_CLASSES, USB_CONTROLLER_CLASS, isDisplayClass } from '../model/pci-classes';
import { analysisFacts, groupOf, type AnalysisFacts } from './analysis-facts';
import { cardFunctions } from './card-topology';
import { RULES, idOf, type Selection } from './passthrough-rules';
import type {
  AnalysisContext,
  PassthroughAnalysis,
  PassthroughCandidate,
  Reason,
} from './passthrough-types';

export type {
  AnalysisContext,
  PassthroughAnalysis,
  PassthroughCandidate,
  Reason,
} from './passthrough-types';
export { hostDiskControllers, rootPoolName } from './host-disks';
export { machineAnalysisContext } from './analysis-facts';

const isGpu = (d: PciDevice) => isDisplayClass(d.classCode);
const isUsb = (d: PciDevice) => d.classCode === USB_CONTROLLER_CLASS;
const isEndpoint = (d: PciDevice) => !HOST_SIDE_CLASSES.has(d.classCode);
const byAddress = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const uniqSorted = (xs: Iterable<string>) => [...new Set(xs)].sort(byAddress);

/** A device's own functions: a GPU's card functions (its slot, and behind its own switch); any
 * other device alone. */
function ownFunctionsOf(f: AnalysisFacts, d: PciDevice) {
  if (!isGpu(d)) return { own: [d.address], cardSwitch: null };
  return cardFunctions(f.pci, d, f.ctx.facts.sysfs ? 'sysfs' : 'listing');
}

/** Everything the rules need to know about what goes to the VM with `addresses`. */
function selectionOf(f: AnalysisFacts, addresses: string[]): Selection {
  const selected = uniqSorted(addresses);
  const known = selected.map((a) => f.pci.get(a)).filter((d): d is PciDevice => d !== undefined);
  const unknown = selected.filter((a) => !f.pci.has(a));
  const cards = known.map((d) => ({ gpu: d.address, ...ownFunctionsOf(f, d) }));
  const own = uniqSorted(cards.flatMap((c) => c.own));
  const groupsInvolved = [...new Set(own.flatMap((a) => f.groupsOf.get(a) ?? []))].sort(
    (a, b) => a - b,
  );
  const inGroups = groupsInvolved.flatMap((g) => f.members.get(g) ?? []);
  const passTogether = uniqSorted(
    [...own, ...inGroups].filter((a) => {
      const d = f.pci.get(a);
      return d === undefined || isEndpoint(d);
    }),
  );
  const ownSet = new Set(own);
  // IDs that also belong to a device staying with the host: vfio-pci.ids would grab it too.
  const passSet = new Set(passTogether);
  const ids = new Set(vfioIdsOf(f, passTogether));
  const sharingIds = [...f.pci.values()]
    .filter((d) => !passSet.has(d.address) && ids.has(idOf(d)))
    .map((d) => d.address)
    .sort(byAddress);
  return {
    selected,
    known,
    unknown,
    own,
    cardSwitches: cards.flatMap((c) =>
      c.cardSwitch ? [{ gpu: c.gpu, cardSwitch: c.cardSwitch }] : [],
    ),
    groupsInvolved,
    passTogether,
    foreign: passTogether.filter((a) => !ownSet.has(a)),
    untrustedHere: groupsInvolved.filter((g) => f.untrusted.has(g)),
    sharingIds,
  };
}

function vfioIdsOf(f: AnalysisFacts, passTogether: string[]): string[] {
  return [
    ...new Set(
      passTogether
        .map((a) => f.pci.get(a))
        .filter((d) => d !== undefined)
        .map(idOf),
    ),
  ];
}

function analyze(f: AnalysisFacts, addresses: string[]): PassthroughCandidate {
  const s = selectionOf(f, addresses);
  const reasons: Reason[] = [...f.global];
  for (const { needs, rule } of RULES) {
    if (needs === undefined || f.ctx.facts[needs]) reasons.push(...rule(s, f));
  }
  const verdict = reasons.some((r) => r.severity === 'refuse')
    ? 'refuse'
    : reasons.some((r) => r.severity === 'warn')
      ? 'warn'
      : 'ok';
  const first = s.known[0];
  return {
    address: s.selected[0] ?? '',
    name: s.known.map((d) => d.deviceName).join(' + '),
    kind: s.known.some(isGpu)
      ? 'gpu'
      : s.known.length > 0 && s.known.every(isUsb)
        ? 'usb'
        : 'other',
    group: first ? (groupOf(f, first.address) ?? null) : null,
    passTogether: s.passTogether,
    ownFunctions: s.own,
    foreign: s.foreign,
    clean: s.foreign.length === 0 && s.untrustedHere.length === 0 && s.unknown.length === 0,
    vfioIds: vfioIdsOf(f, s.passTogether),
    bindByAddress: s.sharingIds.length > 0,
    verdict,
    reasons,
    groupsInvolved: s.groupsInvolved,
  };
}

export function analyzePassthrough(ctx: AnalysisContext): PassthroughAnalysis {
  const f = analysisFacts(ctx);
  const devices = [...f.pci.values()].sort((a, b) => byAddress(a.address, b.address));
  const gpus: PassthroughCandidate[] = [];
  const usbControllers: PassthroughCandidate[] = [];
  const others: PassthroughCandidate[] = [];
  for (const d of devices) {
    if (!isEndpoint(d)) continue;
    const c = analyze(f, [d.address]);
    if (isGpu(d)) gpus.push(c);
    else if (isUsb(d)) usbControllers.push(c);
    else others.push(c);
  }
  return {
    groups: new Set(ctx.inventory.iommu.groups.map((g) => g.id)).size,
    devices: ctx.inventory.pci.length,
    gpus,
    usbControllers,
    others,
    checksNotMade: f.checksNotMade,
    global: f.global,
  };
}

/** What a set of chosen devices implies (several GPUs/controllers to one VM): the union, the
 * vfio IDs, bind-by-address, combined verdict. */
export function analyzeSelection(ctx: AnalysisContext, addresses: string[]): PassthroughCandidate {
  return analyze(analysisFacts(ctx), addresses);
}
