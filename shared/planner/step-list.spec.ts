import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../ops/plan-identity';
import { StepList } from './step-list';

const why = { element: 'host', text: 'test' };

describe('StepList.write', () => {
  it('carries the hash taken beforehand of the content it replaces, and null for a new file', async () => {
    const old = '{ ... }: { }\n';
    const list = new StepList('0123456789abcdef', new Map([[old, await sha256Hex(old)]]));
    list.write('/etc/nixos/a.nix', 'new\n', old, 'Write a', why);
    list.write('/etc/nixos/b.nix', 'new\n', null, 'Write b', why);
    const [a, b] = list.steps.map((s) => s.call.args as { previousSha256: string | null });
    expect(a?.previousSha256).toBe(await sha256Hex(old));
    expect(b?.previousSha256).toBeNull();
    expect(list.steps.map((s) => s.risk)).toEqual(['modifies', 'creates']);
  });

  it('refuses a replaced content nobody hashed, rather than writing a wrong or empty hash', () => {
    const list = new StepList('0123456789abcdef', new Map());
    expect(() => list.write('/etc/nixos/a.nix', 'new\n', 'old\n', 'Write a', why)).toThrow(
      /current content of \/etc\/nixos\/a\.nix was not hashed/,
    );
  });
});
