// The plan's hash is the one the helper checks: known answers for the digest, key order does not
// matter, and every part of a step that runs or is read changes it.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seedPlan } from '../../test/helper/seed-plan';
import { backupPathFor, canonicalJson, planSha256, sha256Hex } from './plan-identity';

describe('sha256Hex', () => {
  it('gives the FIPS 180-2 answers', async () => {
    expect(await sha256Hex('')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(await sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('agrees with node:crypto on text and bytes, multi-byte UTF-8 included', async () => {
    for (const text of ['é/etc/nixos', 'x'.repeat(100_000), '日本語\n']) {
      const node = createHash('sha256').update(text).digest('hex');
      expect(await sha256Hex(text)).toBe(node);
      expect(await sha256Hex(new TextEncoder().encode(text))).toBe(node);
    }
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined, x: 'é' }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"x":"é","z":1}]},"b":1}',
    );
  });
});

describe('planSha256', () => {
  it('does not depend on key order', async () => {
    const plan = seedPlan();
    const reverseKeys = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reverseKeys)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reverseKeys(v)]),
            )
          : value;
    const reordered = reverseKeys(plan) as typeof plan;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(plan));
    expect(await planSha256(reordered)).toBe(await planSha256(plan));
  });

  it('changes with a verb argument, the preview text or the pool', async () => {
    const plan = seedPlan();
    const base = await planSha256(plan);
    const edited = structuredClone(plan);
    const write = edited.steps.find((s) => s.call.verb === 'file.write');
    if (write?.call.verb !== 'file.write') throw new Error('the seed plan writes files');
    write.call.args.content += '\n';
    expect(await planSha256(edited)).not.toBe(base);
    const retitled = structuredClone(plan);
    (retitled.steps[0] as { title: string }).title += '!';
    expect(await planSha256(retitled)).not.toBe(base);
    expect(await planSha256({ ...plan, pool: 'tank' })).not.toBe(base);
    // What changes nothing on the machine is not covered.
    expect(await planSha256({ ...plan, nextSteps: ['reboot'] } as typeof plan)).toBe(base);
  });
});

describe('backupPathFor', () => {
  it('names the copy by the first 32 hex digits of the hash of the path', async () => {
    const path = '/etc/nixos/configuration.nix';
    const hash = createHash('sha256').update(path).digest('hex').slice(0, 32);
    expect(await backupPathFor('0123456789abcdef', path)).toBe(
      `/var/lib/cohabit/backups/0123456789abcdef/${hash}`,
    );
    expect(await backupPathFor('0123456789abcdef', path, '/tmp/j')).toBe(
      `/tmp/j/backups/0123456789abcdef/${hash}`,
    );
  });
});
