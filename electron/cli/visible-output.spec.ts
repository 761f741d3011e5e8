// What the command line prints from a plan file, the machine or an error that quotes them never
// reaches the terminal as a control, bidi or invisible character: each is shown as an escape.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStep, seedPlan } from '../../test/helper/seed-plan';
import { cli } from '../../test/helper/run-cli';
import { formatPlanText } from '../planner/format-plan';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohabit-visible-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const RAW = ['\u001b', '\u009b', '\r', '\u202e', '\u2066', '\u200b'];
const expectNoRaw = (text: string) => {
  for (const ch of RAW) expect(text).not.toContain(ch);
};

describe('the command line shows hidden characters as escapes', () => {
  it('in an error that quotes a file name', async () => {
    const r = await cli('apply', join(dir, 'plan\u202enosj.\u001b[2Kexe'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('plan\\u202enosj.\\x1b[2Kexe');
    expectNoRaw(r.err);
  });

  it('in an error that quotes a plan file', async () => {
    const file = join(dir, 'other-pool.json');
    await writeFile(file, JSON.stringify({ ...seedPlan(), pool: 'tank\u001b[2K\u2066zroot' }));
    const r = await cli('apply', file, '--dry-run', '--demo');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('the pool tank\\x1b[2K\\u2066zroot');
    expectNoRaw(r.err);
  });

  it('in a plan printed as text, titles and file diffs alike', () => {
    const plan = seedPlan();
    const write = makeStep(
      plan.steps.length + 1,
      {
        verb: 'file.write',
        args: {
          path: '/etc/nixos/cohabit.nix',
          content: '# \u001b]0;pwned\u0007 \u009b2J\r\n{ }\n',
          mode: 0o644,
          previousSha256: null,
        },
      },
      plan.id,
      'Write\u001b[1A\u001b[2K the module\u200b',
    );
    const text = formatPlanText({ ...plan, steps: [...plan.steps, write] });
    expect(text).toContain('[creates] Write\\x1b[1A\\x1b[2K the module\\u200b\n');
    expect(text).toContain('+# \\x1b]0;pwned\\x07 \\x9b2J\\r\n');
    expectNoRaw(text);
  });
});
