// `cohabit apply --boot-once` as a user types it on the demo machines, and the question asked
// after a successful apply when the flag was not given.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../shared/model/plan';
import type { Request } from '../../shared/ops/helper-protocol';
import { cli } from '../../test/helper/run-cli';
import type { HelperOutcome } from '../helper/elevate';
import { afterApplyBootOnce } from './boot-once-command';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohabit-boot-once-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function seedPlanFile(demo: string): Promise<string> {
  const layout = await cli('plan', '--example', 'seed', '--demo', demo);
  await writeFile(join(dir, `${demo}-layout.json`), layout.out);
  const made = await cli('plan', join(dir, `${demo}-layout.json`), '--demo', demo, '--json');
  expect(made.code).toBe(0);
  const file = join(dir, `${demo}-plan.json`);
  await writeFile(file, made.out);
  return file;
}

describe('cohabit apply --boot-once on the demo machines', () => {
  it('walks the one-time choice after the plan where grubenv is on FAT (twin-gpu)', async () => {
    const file = await seedPlanFile('twin-gpu');
    const r = await cli('apply', file, '--dry-run', '--demo', 'twin-gpu', '--boot-once');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /Dry run of plan [0-9a-f]{16}: 1 steps\n\[1\/1\] s01 Boot "New System" once/,
    );
    // The boot-once plan is a different plan from the one applied, with its own id.
    const ids = [...r.out.matchAll(/Dry run of plan ([0-9a-f]{16})/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(2);
  }, 60_000);

  it('refuses --boot-once before anything runs where grubenv is on ZFS (workstation), saying why and what to pick', async () => {
    const file = await seedPlanFile('workstation');
    const r = await cli('apply', file, '--dry-run', '--demo', 'workstation', '--boot-once');
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      '--boot-once: Cohabit cannot make GRUB boot the new system just once: /boot/grub/grubenv is on ZFS',
    );
    expect(r.err).toContain('pick the new system in the GRUB menu yourself');
    expect(r.err).toContain('Nothing was changed.');
    expect(r.out).not.toContain('Dry run of plan');
    // Without the flag the plan is walked, and the reason is said after it.
    const walk = await cli('apply', file, '--dry-run', '--demo', 'workstation');
    expect(walk.code).toBe(0);
    expect(walk.out).toMatch(
      /Dry run of plan [0-9a-f]{16}: 29 steps[^]*Cohabit cannot make GRUB boot the new system just once: \/boot\/grub\/grubenv is on ZFS/,
    );
  }, 60_000);

  it('refuses an entry the plan does not add before anything runs', async () => {
    const file = await seedPlanFile('twin-gpu');
    const r = await cli(
      'apply',
      file,
      '--dry-run',
      '--demo',
      'twin-gpu',
      '--boot-once',
      'cohabit-other',
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain('"cohabit-other" is not an entry this plan adds (cohabit-new-system)');
    expect(r.out).toBe('');
  }, 60_000);

  it('is named at the end of `cohabit plan` on both machines', async () => {
    await seedPlanFile('twin-gpu');
    const twin = await cli('plan', join(dir, 'twin-gpu-layout.json'), '--demo', 'twin-gpu');
    expect(twin.out).toContain(
      'Boot once: `cohabit apply --boot-once` then has GRUB start the new system at the next boot only (grub-editenv /boot/grub/grubenv set next_entry=cohabit-new-system).',
    );
    await seedPlanFile('workstation');
    const ws = await cli('plan', join(dir, 'workstation-layout.json'), '--demo', 'workstation');
    expect(ws.out).toContain('Boot once: not here. /boot/grub/grubenv is on ZFS (mounted at /)');
  }, 60_000);

  it('is listed in --help', async () => {
    const r = await cli('apply', '--help');
    expect(r.out).toMatch(/--boot-once \[entry\]\s+once applied, have GRUB start the new system/);
  });
});

describe('the question after a successful apply', () => {
  const plan = {
    id: '0123456789abcdef',
    pool: 'zroot',
    layoutSha256: '0'.repeat(64),
    bootOnce: {
      possible: true,
      envFile: '/boot/grub/grubenv',
      entries: [{ entryId: 'cohabit-new-system', label: 'New System' }],
    },
  } as unknown as Plan;
  const ok: HelperOutcome = { kind: 'finished', message: 'ok', result: null } as HelperOutcome;

  function harness(answer: boolean | null) {
    const out: string[] = [];
    const questions: string[] = [];
    const requests: Request[] = [];
    return {
      out,
      questions,
      requests,
      io: {
        stdout: (t: string) => out.push(t),
        stderr: (t: string) => out.push(t),
        ...(answer === null
          ? {}
          : {
              confirm: (q: string) => {
                questions.push(q);
                return Promise.resolve(answer);
              },
            }),
      },
      run: (r: Request) => {
        requests.push(r);
        return Promise.resolve(ok);
      },
    };
  }

  it('runs grub-editenv on the new entry when the answer is yes', async () => {
    const h = harness(true);
    expect(await afterApplyBootOnce(plan, {}, h.io, h.run, () => 0)).toBe(0);
    expect(h.questions).toEqual([
      'Boot "New System" just once at the next restart? The restart after that comes back to the main system. [y/N] ',
    ]);
    const request = h.requests[0];
    expect(request?.type === 'apply' ? request.plan.steps[0]?.preview : null).toEqual({
      kind: 'command',
      argv: ['grub-editenv', '/boot/grub/grubenv', 'set', 'next_entry=cohabit-new-system'],
      shell: 'grub-editenv /boot/grub/grubenv set next_entry=cohabit-new-system',
    });
    expect(h.out.join('')).toContain('Reboot: GRUB starts "New System" this once');
  });

  it('runs nothing on no, with --yes, or without a terminal, and says how to do it later', async () => {
    for (const [answer, opts] of [
      [false, {}],
      [true, { yes: true }],
      [null, {}],
    ] as const) {
      const h = harness(answer);
      expect(await afterApplyBootOnce(plan, opts, h.io, h.run, () => 0)).toBe(0);
      expect(h.requests).toEqual([]);
      expect(h.out.join('')).toContain(
        'or later, as root: grub-editenv /boot/grub/grubenv set next_entry=cohabit-new-system, then reboot',
      );
    }
  });

  it('refuses --boot-once naming an entry the plan did not add', async () => {
    const h = harness(null);
    expect(
      await afterApplyBootOnce(plan, { bootOnce: 'cohabit-x;reboot' }, h.io, h.run, () => 0),
    ).toBe(2);
    expect(h.requests).toEqual([]);
    expect(h.out.join('')).toMatch(/"cohabit-x;reboot" is not an entry plan/);
  });
});
