// The confirmation is made from the verbs: the risk from the verb whatever the plan's risk field
// says, the file's facts from its arguments, and the plan's title only as visible, quoted words.
import { describe, expect, it } from 'vitest';
import { makeStep, seedPlan } from '../../test/helper/seed-plan';
import {
  actionOfVerb,
  confirmPlan,
  confirmStep,
  confirmationLines,
  modeText,
  riskOfVerb,
} from './verb-confirmation';

describe('riskOfVerb', () => {
  it('is the verb’s risk, not the plan’s risk field', async () => {
    const step = {
      ...makeStep(1, { verb: 'zfs.destroyManaged', args: { dataset: 'zroot/nixos/new' } }),
      risk: 'read-only' as const,
      title: 'Check the dataset',
    };
    expect(riskOfVerb(step.call)).toBe('destructive');
    const c = await confirmStep(step, '0123456789abcdef');
    expect(c.risk).toBe('destructive');
    expect(confirmationLines(c)[0]).toBe(
      's01 [destructive] DESTROY the dataset zroot/nixos/new and everything under it',
    );
  });

  it('says a file write modifies when it replaces a file and creates otherwise', () => {
    const args = { path: '/etc/nixos/cohabit.nix', content: '{ }\n', mode: 0o644 };
    expect(riskOfVerb({ verb: 'file.write', args: { ...args, previousSha256: null } })).toBe(
      'creates',
    );
    expect(
      riskOfVerb({ verb: 'file.write', args: { ...args, previousSha256: 'a'.repeat(64) } }),
    ).toBe('modifies');
  });
});

describe('modeText', () => {
  it('reads a mode in octal and rwx, and says when group or others can write', () => {
    expect(modeText(0o644)).toBe('0644 (rw-r--r--)');
    expect(modeText(0o600)).toBe('0600 (rw-------)');
    expect(modeText(0o666)).toBe('0666 (rw-rw-rw-: group or others can write it)');
    expect(modeText(0o775)).toBe('0775 (rwxrwxr-x: group or others can write it)');
    expect(modeText(0)).toBe('0000 (---------)');
  });
});

describe('confirmPlan', () => {
  it('names every path, dataset and device of the seed plan in its action or command', async () => {
    const plan = seedPlan();
    const confirmed = await confirmPlan(plan);
    expect(confirmed.map((c) => c.id)).toEqual(plan.steps.map((s) => s.id));
    for (const [i, c] of confirmed.entries()) {
      const args = plan.steps[i]?.call.args as Record<string, unknown>;
      const shown = `${c.action} ${c.command ?? ''}`;
      for (const key of ['path', 'dataset', 'device', 'target', 'source', 'root', 'xmlPath'])
        if (typeof args[key] === 'string') expect(shown).toContain(args[key]);
    }
  });

  it('gives a file its size in UTF-8 bytes and the SHA-256 of what is written', async () => {
    const step = makeStep(
      3,
      {
        verb: 'file.write',
        args: { path: '/etc/nixos/cohabit.nix', content: 'é\n', mode: 0o644, previousSha256: null },
      },
      '0123456789abcdef',
      'Write\u202e it',
    );
    const c = await confirmStep(step, '0123456789abcdef');
    expect(c.file).toEqual({
      path: '/etc/nixos/cohabit.nix',
      mode: 0o644,
      bytes: 3,
      // printf 'é\n' | sha256sum
      sha256: 'edd3a863872a04239eb29ad4bc12fc892b3d4ae57cc7e786a3697816f8e141c2',
      previousSha256: null,
    });
    expect(c.planTitle).toBe('Write\\u202e it');
    expect(c.command).toBeNull();
  });

  it('has an action for every verb, made from its arguments', () => {
    expect(actionOfVerb({ verb: 'nixos.rebuild', args: { action: 'boot' } })).toBe(
      "rebuild this machine's NixOS (nixos-rebuild boot)",
    );
    expect(
      actionOfVerb({
        verb: 'fs.mount',
        args: { source: 'zroot/x', target: '/mnt/cohabit/x', fstype: 'zfs', options: ['nosuid'] },
      }),
    ).toBe('mount zroot/x (zfs -o nosuid) on /mnt/cohabit/x');
  });
});
