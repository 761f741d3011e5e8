// The answers a user opens the Machine view for, one line each: the pools and their space, and
// for every GPU and USB controller whether it can go to a VM and the one reason that decides it.
import type { PassthroughCandidate } from '../../../shared/analysis/passthrough';
import type { Inventory } from '../../../shared/model/inventory';
import { formatBytes } from './format';

export interface AnswerLine {
  kind: 'pool' | 'gpu' | 'usb';
  address: string | null;
  title: string;
  verdict: 'ok' | 'warn' | 'refuse' | null;
  /** The verdict in two or three words ("Can go to a VM"), or the pool's health. */
  label: string;
  detail: string;
}

const VERDICT_LABEL = {
  ok: 'Can go to a VM',
  warn: 'Can go, with care',
  refuse: 'Cannot go to a VM',
} as const;

const short = (a: string) => a.replace(/^0000:/, '');

/** Why, in one sentence: the first refusing (or warning) reason, or what goes along. */
export function verdictDetail(c: PassthroughCandidate): string {
  const deciding = c.reasons.find((r) =>
    c.verdict === 'refuse' ? r.severity === 'refuse' : r.severity === 'warn',
  );
  if (deciding !== undefined) return deciding.message;
  const along = c.passTogether.filter((a) => a !== c.address);
  return along.length === 0
    ? 'Alone in its IOMMU group.'
    : `Goes with ${along.map(short).join(', ')}.`;
}

export function machineAnswers(
  inventory: Inventory,
  verdicts: ReadonlyMap<string, PassthroughCandidate>,
  rootPool: string | null,
): AnswerLine[] {
  const pools = inventory.zfs.pools.map((p): AnswerLine => ({
    kind: 'pool',
    address: null,
    title: `Pool ${p.name}${p.name === rootPool ? ' (root)' : ''}`,
    verdict: null,
    label: p.health,
    detail:
      p.freeBytes === null || p.sizeBytes === null
        ? 'Its size could not be read.'
        : `${formatBytes(p.freeBytes)} free of ${formatBytes(p.sizeBytes)}.`,
  }));
  const device = (kind: 'gpu' | 'usb', address: string, name: string): AnswerLine => {
    const c = verdicts.get(address);
    return {
      kind,
      address,
      title: `${kind === 'gpu' ? 'GPU' : 'USB'} ${short(address)} ${name}`,
      verdict: c?.verdict ?? null,
      label: c === undefined ? 'Not analysed' : VERDICT_LABEL[c.verdict],
      detail: c === undefined ? '' : verdictDetail(c),
    };
  };
  return [
    ...pools,
    ...inventory.gpus.map((g) => device('gpu', g.address, g.name)),
    ...inventory.usb.map((u) => device('usb', u.address, u.name)),
  ];
}

export type Passability = 'ok' | 'warn' | 'refuse' | 'none';
export const PASS_LABELS: Readonly<Record<Passability, string>> = {
  ok: 'Can go to a VM',
  warn: 'Can go, with care',
  refuse: 'Cannot go to a VM',
  none: 'Not a GPU or USB controller, nor with one',
};
export const PASS_ORDER: readonly Passability[] = ['ok', 'warn', 'refuse', 'none'];

/**
 * Each device's answer for the IOMMU map: a GPU or USB controller's own verdict, and for what must
 * go with one (its other functions, its group), the best verdict among those it goes with: the
 * audio function of a card that can go, can go with it.
 */
export function devicePassability(
  verdicts: ReadonlyMap<string, PassthroughCandidate>,
): Map<string, Passability> {
  const rank = { ok: 0, warn: 1, refuse: 2 } as const;
  const out = new Map<string, 'ok' | 'warn' | 'refuse'>();
  for (const c of verdicts.values())
    for (const a of c.passTogether) {
      const now = out.get(a);
      if (now === undefined || rank[c.verdict] < rank[now]) out.set(a, c.verdict);
    }
  // A candidate's own verdict wins over one it only goes along with.
  for (const c of verdicts.values()) out.set(c.address, c.verdict);
  return out;
}
