// `cohabit apply` before it elevates: it lists every change, asks once, and refuses to guess
// without a terminal; a file that is not a plan is named as such. What it lists is what the verbs
// do: a crafted plan file's titles cannot hide a write, and its escapes cannot erase a line.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../shared/model/plan';
import { makeStep, seedPlan } from '../../test/helper/seed-plan';
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
    expect(text).toContain('runs these 21 steps, 20 of which change the machine');
    expect(text).toContain('  s01 [creates] create the dataset zroot/nixos/new\n');
    expect(text).toContain(
      '      # zfs create -o mountpoint=legacy -o cohabit:managed=on -o cohabit:role=system -o cohabit:system=new -o cohabit:journal=0123456789abcdef zroot/nixos/new\n',
    );
    expect(text).toContain('s17 [modifies]');
    // Waiting for a device changes nothing, but it runs, so it is listed as read-only.
    expect(text).toContain(
      '  s04 [read-only] wait up to 10 s for /dev/zvol/zroot/vms/new-efi-part1\n',
    );
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
    print({
      type: 'step-finished',
      step: 's01',
      ok: false,
      failure: {
        kind: 'command-failed',
        message: 'nixos-install exited 1: error: path is not valid',
        argv: ['nixos-install', '--root', '/mnt/cohabit/new system'],
        exitCode: 1,
        stderrTail: ['building the system', 'error: path is not valid'],
      },
    });
    // The command as typed in a shell, its exit code and stderr's last lines, not one string.
    expect(t.out.join('')).toBe(
      [
        'Applying plan 0123456789abcdef: 1 steps',
        '[1/1] s01 Install NixOS',
        '    copying path',
        '    failed: exited 1: nixos-install exited 1: error: path is not valid',
        "    command: nixos-install --root '/mnt/cohabit/new system'",
        '    stderr (last lines):',
        '      building the system',
        '      error: path is not valid',
        '',
      ].join('\n'),
    );
  });

  it('prints titles, tool output and errors from a run with their escapes made visible', () => {
    const t = io();
    const print = eventPrinter(t.io);
    print({ type: 'step-started', step: 's01', index: 0, total: 1, title: 'a\x1b[2K\rb\u202ec' });
    print({ type: 'output', step: 's01', stream: 'stdout', line: '\x1b]0;title\x07done' });
    print({
      type: 'step-finished',
      step: 's01',
      ok: false,
      failure: {
        kind: 'host-error',
        message: 'bad\nforged line',
        argv: null,
        exitCode: null,
        stderrTail: [],
      },
    });
    expect(t.out.join('')).toBe(
      '[1/1] s01 a\\x1b[2K\\rb\\u202ec\n    \\x1b]0;title\\x07done\n    failed: bad\\nforged line\n',
    );
  });

  describe('a crafted plan file', () => {
    const FLAKE = '{ outputs = _: { }; }\n';
    /** The seed plan plus steps whose titles lie, erase or reorder; their verbs are what runs. */
    function crafted(titles: string[]): Plan {
      const plan = seedPlan();
      const n = plan.steps.length;
      const calls = [
        {
          verb: 'file.write',
          args: { path: '/etc/nixos/flake.nix', content: FLAKE, mode: 0o666, previousSha256: null },
        },
        { verb: 'fs.mkdir', args: { path: '/mnt/cohabit/x', mode: 0o777 } },
        { verb: 'zfs.snapshot', args: { dataset: 'zroot/nixos/new', snapshot: 'a' } },
      ] as const;
      return {
        ...plan,
        steps: [
          ...plan.steps,
          ...titles.map((title, i) => makeStep(n + 1 + i, calls[i] ?? calls[2], plan.id, title)),
        ],
      };
    }

    async function confirmationOf(plan: Plan): Promise<string> {
      const t = io(() => Promise.resolve(false));
      expect(await applyCommand(planFile(JSON.stringify(plan)), {}, t.io)).toBe(1);
      return t.out.join('');
    }

    it('shows the file the verb writes, with its mode, size and hash, not the title', async () => {
      const text = await confirmationOf(crafted(['Write /etc/nixos/cohabit.nix']));
      const sha = createHash('sha256').update(FLAKE).digest('hex');
      expect(text).toContain(
        [
          '  s22 [creates] write /etc/nixos/flake.nix',
          `        mode 0666 (rw-rw-rw-: group or others can write it), ${FLAKE.length} bytes, sha256 ${sha}`,
          '        a new file (the helper refuses if one exists by then)',
          '        the plan calls it: “Write /etc/nixos/cohabit.nix”',
          '',
        ].join('\n'),
      );
      // The title never stands where the verb-derived line does.
      expect(text).not.toMatch(/^ {2}s\d+ \[\w+\] Write \/etc\/nixos\/cohabit\.nix/m);
    });

    it('shows escape sequences that would erase the real line instead of sending them', async () => {
      const erase = '\x1b[1A\x1b[2K\r  s22 [creates] write /etc/nixos/cohabit.nix\x1b[8m';
      const csi8 = 'Make a directory\u009b1A\u009b2K\n  s23 [creates] nothing';
      const text = await confirmationOf(crafted([erase, csi8]));
      for (const ch of ['\u001b', '\u009b', '\r']) expect(text).not.toContain(ch);
      expect(text).toContain(
        '        the plan calls it: “\\x1b[1A\\x1b[2K\\r  s22 [creates] write /etc/nixos/cohabit.nix\\x1b[8m”\n',
      );
      expect(text).toContain(
        '  s23 [creates] make the directory /mnt/cohabit/x, mode 0777 (rwxrwxrwx',
      );
      expect(text).toContain('“Make a directory\\x9b1A\\x9b2K\\n  s23 [creates] nothing”');
    });

    it('is refused when a file diff it shows is not the write its verb makes', async () => {
      const plan = crafted(['Write /etc/nixos/cohabit.nix']);
      const lie = plan.steps.at(-1);
      if (lie?.preview.kind !== 'file') throw new Error('the crafted step writes a file');
      // A diff that shows one harmless line, over a write of the whole flake.
      lie.preview.diff = '@@ -0,0 +1,1 @@\n+# comment\n';
      await expect(applyCommand(planFile(JSON.stringify(plan)), {}, io().io)).rejects.toThrow(
        'step s22: its diff is not the change file.write makes to /etc/nixos/flake.nix',
      );
    });

    it('shows bidi overrides and isolates in a title as escapes', async () => {
      const text = await confirmationOf(
        crafted(['Write /etc/nixos/\u202excin.tibahoc', 'x', '\u2067snapshot\u2069 \u200bsafe']),
      );
      expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b]/);
      expect(text).toContain('“Write /etc/nixos/\\u202excin.tibahoc”');
      expect(text).toContain('“\\u2067snapshot\\u2069 \\u200bsafe”');
    });
  });
});
