// The words shown before applying: counts by risk and the steps that touch what exists. The risks
// are those of the demo machine's seed plan (5 modify, 22 create, 2 read-only).
import { describe, expect, it } from 'vitest';
import type { Plan, Step } from '../../../shared/model/plan';
import type { VerbCall } from '../../../shared/ops/verbs';
import { elementName, explainPlan } from './apply-explain';

/** A call of each risk, so that the counts can only come from the verbs. */
const CALL_OF: Record<Step['risk'], VerbCall> = {
  creates: { verb: 'fs.mkdir', args: { path: '/mnt/cohabit/x', mode: 0o755 } },
  modifies: {
    verb: 'zfs.setUserProp',
    args: { dataset: 'zroot/x', property: 'cohabit:role', value: 'system', previous: null },
  },
  'read-only': {
    verb: 'disk.waitForDevice',
    args: { path: '/dev/zvol/zroot/x', timeoutSeconds: 5 },
  },
  destructive: { verb: 'zfs.destroyManaged', args: { dataset: 'zroot/x' } },
};

// Each step's own `risk` field says read-only whatever its verb is: the explanation must not care.
const planWith = (risks: Step['risk'][]): Plan =>
  ({
    steps: risks.map((risk, i) => ({
      id: `s${String(i + 1).padStart(2, '0')}`,
      call: CALL_OF[risk],
      risk: 'read-only',
      title: risk,
    })),
  }) as Plan;

describe('explainPlan', () => {
  it('counts by risk and lists what changes the machine as it is', () => {
    const risks: Step['risk'][] = [
      ...Array<Step['risk']>(22).fill('creates'),
      ...Array<Step['risk']>(5).fill('modifies'),
      ...Array<Step['risk']>(2).fill('read-only'),
    ];
    const e = explainPlan(planWith(risks));
    expect(e.sentence).toBe(
      '29 steps: 5 modify what exists, 22 create something new, 2 only read or wait.',
    );
    expect(e.touchesExisting.map((s) => s.title)).toEqual(Array(5).fill('modifies'));
  });

  it('puts destruction first and in the list', () => {
    const e = explainPlan(planWith(['creates', 'destructive']));
    expect(e.sentence).toBe('2 steps: 1 destroys something, 1 creates something new.');
    expect(e.touchesExisting.map((s) => s.id)).toEqual(['s02']);
  });

  it('says an empty plan changes nothing', () => {
    expect(explainPlan(planWith([])).sentence).toBe(
      'No steps: the machine already matches the layout.',
    );
  });
});

describe('elementName', () => {
  const names = {
    systems: [{ label: 'New System' }],
    volumes: [{ dataset: 'zroot/vm/macos' }],
    vms: [{ name: 'macos' }],
  };
  it('names layout elements the way the user named them', () => {
    expect(elementName('systems[0]', names)).toBe('the system “New System”');
    expect(elementName('volumes[0]', names)).toBe('the volume zroot/vm/macos');
    expect(elementName('vms[0]', names)).toBe('the VM macos');
    expect(elementName('host', names)).toBe('the main system');
    expect(elementName('vms[3]', names)).toBe('VM 4');
  });
});
