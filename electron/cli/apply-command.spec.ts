// `cohabit apply` before it elevates: it lists every change, asks once, and refuses to guess
// without a terminal; a file that is not a plan is named as such.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seedPlan } from '../../test/helper/seed-plan';
import { applyCommand, eventPrinter } from './apply-command';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function planFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cohabit-cli-'));
  dirs.push(dir);
  const file = join(dir, 'plan.json');
  writeFileSync(file, content);
  return file;
}

function io(confirm?: (q: string) => Promise<boolean>) {
  const out: string[] = [];
  return {
    out,
    io: {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => out.push(t),
      isTty: false,
      ...(confirm ? { confirm } : {}),
    },
  };
}

describe('cohabit apply', () => {
  it('lists every modifying step and refuses to ask without a terminal', async () => {
    const t = io();
    await expect(applyCommand(planFile(JSON.stringify(seedPlan())), {}, t.io)).rejects.toThrow(
      'not asking without a terminal',
    );
    const text = t.out.join('');
    expect(text).toContain('s01 [creates]');
    expect(text).toContain('s17 [modifies]');
    // Waiting for a device changes nothing, so it is not in the list.
    expect(text).not.toContain('s04 [');
  });

  it('answering no changes nothing and exits 1', async () => {
    const questions: string[] = [];
    const t = io((q) => {
      questions.push(q);
      return Promise.resolve(false);
    });
    expect(await applyCommand(planFile(JSON.stringify(seedPlan())), {}, t.io)).toBe(1);
    expect(questions).toEqual(['Apply these 20 changes? [y/N] ']);
    expect(t.out.join('')).toContain('Nothing was changed.');
  });

  it('names a file that is not a plan', async () => {
    await expect(applyCommand(planFile('{"format":"other"}'), {}, io().io)).rejects.toThrow(
      'is not a Cohabit plan',
    );
    await expect(applyCommand(planFile('not json'), {}, io().io)).rejects.toThrow('is not JSON');
  });

  it('prints one line per step and the tool output as it comes', () => {
    const t = io();
    const print = eventPrinter(t.io);
    print({
      type: 'plan-started',
      planId: '0123456789abcdef',
      dryRun: false,
      steps: [{ id: 's01', title: 'Install', risk: 'creates' }],
    });
    print({ type: 'step-started', step: 's01', index: 0, total: 1, title: 'Install NixOS' });
    print({ type: 'output', step: 's01', stream: 'stdout', line: 'copying path' });
    print({ type: 'step-finished', step: 's01', ok: false, error: 'nixos-install exited 1' });
    expect(t.out.join('')).toBe(
      'Applying plan 0123456789abcdef: 1 steps\n[1/1] s01 Install NixOS\n    copying path\n    failed: nixos-install exited 1\n',
    );
  });
});
