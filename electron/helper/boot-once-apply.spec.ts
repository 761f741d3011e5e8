// grub.bootOnce through the executor on a fake machine whose grubenv is a real block (made by
// Debian's grub-editenv, test/fixtures/grub) and whose grub-editenv is the real one: it sets the
// choice on an empty block, changes nothing when the entry is chosen already, and refuses, leaving
// the file byte for byte as it was, when someone else's choice is pending or the block is not one
// it can read as GRUB does (issue 16).
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../shared/model/plan';
import { parseGrubEnvBlock } from '../../shared/parse/grub-envblk';
import { readGrubenvFixture } from '../../test/fixtures/grub/grubenv-fixtures';
import type { GrubenvFixture } from '../../test/fixtures/grub/grubenv-fixtures';
import { tempFakeMachine } from '../../test/helper/fake-machine';
import type { FakeMachine } from '../../test/helper/fake-machine';
import { planOf } from '../../test/helper/seed-plan';
import { applyPlan } from './executor';
import { journalPath, readJournal } from './journal';

const JOURNAL = '/var/lib/cohabit';
const ENV = '/boot/grub/grubenv';
const ID = 'cohabit-new-system';
const PLAN_ID = '0123456789abcdef';
const SET = ['grub-editenv', ENV, 'set', `next_entry=${ID}`];
const CFG = `menuentry 'NixOS' --class nixos --unrestricted {\n}\nmenuentry 'New System' --id '${ID}' {\n}\n`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A machine with a FAT /boot whose grubenv holds the given bytes (a fixture, or made here). */
async function machine(grubenv: GrubenvFixture | Uint8Array): Promise<FakeMachine> {
  const m = await tempFakeMachine(
    'cohabit-boot-once-',
    { '/boot/grub/grub.cfg': { content: CFG, mode: 0o644 } },
    dirs,
  );
  m.mounts.push({ source: '/dev/nvme0n1p1', target: '/boot', fstype: 'vfat' });
  writeFileSync(m.map(ENV), typeof grubenv === 'string' ? readGrubenvFixture(grubenv) : grubenv);
  return m;
}

const plan = (): Plan => ({
  ...planOf([{ verb: 'grub.bootOnce', args: { envFile: ENV, entryId: ID } }], PLAN_ID),
  bootOnce: { possible: true, envFile: ENV, entries: [{ entryId: ID, label: 'New System' }] },
});

const bytesOf = (m: FakeMachine) => new Uint8Array(readFileSync(m.map(ENV)));
const nextEntry = (m: FakeMachine) => parseGrubEnvBlock(bytesOf(m)).variables.get('next_entry');
const editenvCalls = (m: FakeMachine) => m.calls.filter((c) => c[0] === 'grub-editenv');

/** Applies (or dry-runs) the plan and expects a refusal that changed nothing, not one byte. */
async function refused(m: FakeMachine, dryRun = false) {
  const before = bytesOf(m);
  const result = await applyPlan(plan(), { host: m, journalDir: JOURNAL, dryRun });
  expect(result.status).toBe('refused');
  expect(bytesOf(m)).toEqual(before);
  expect(editenvCalls(m)).toEqual([]);
  return result.problems.join('\n');
}

describe('grub.bootOnce on a real grubenv', () => {
  it('sets the choice on a block that holds none, and its undo unsets it', async () => {
    const m = await machine('created');
    const result = await applyPlan(plan(), { host: m, journalDir: JOURNAL });
    expect(result.status).toBe('applied');
    expect(editenvCalls(m)).toEqual([SET]);
    expect(nextEntry(m)).toBe(ID);
    const journal = await readJournal(m, journalPath(JOURNAL, PLAN_ID));
    expect(journal.steps[0]?.undo).toMatchObject({
      kind: 'argv',
      argv: [['grub-editenv', ENV, 'unset', 'next_entry']],
    });
  });

  it('takes a choice GRUB already cleared (next_entry saved empty) as none', async () => {
    const m = await machine('created');
    await m.runStreaming(['grub-editenv', ENV, 'set', 'next_entry='], {});
    const result = await applyPlan(plan(), { host: m, journalDir: JOURNAL });
    expect(result.status).toBe('applied');
    expect(nextEntry(m)).toBe(ID);
  });

  it('rolls a failed set back to the very bytes grub-editenv created', async () => {
    const m = await machine('created');
    const before = bytesOf(m);
    m.fault = { match: SET.join(' '), when: 'after' };
    const result = await applyPlan(plan(), { host: m, journalDir: JOURNAL });
    expect(result.status).toBe('rolled-back');
    expect(bytesOf(m)).toEqual(before);
  });

  it('is idempotent when the same entry is pending, and a rollback keeps that choice', async () => {
    const m = await machine('same-pending');
    const before = bytesOf(m);
    expect((await applyPlan(plan(), { host: m, journalDir: JOURNAL })).status).toBe('applied');
    expect(bytesOf(m)).toEqual(before);

    const again = await machine('same-pending');
    again.fault = { match: SET.join(' '), when: 'after' };
    const result = await applyPlan(plan(), { host: again, journalDir: JOURNAL });
    expect(result.status).toBe('rolled-back');
    // Its undo was nothing: an unset here would have dropped a choice made before the plan.
    expect(editenvCalls(again)).toEqual([SET]);
    expect(bytesOf(again)).toEqual(before);
    expect(nextEntry(again)).toBe(ID);
  });

  it("refuses, changing nothing, when someone else's choice is pending, and says how to clear it", async () => {
    for (const dryRun of [false, true]) {
      const text = await refused(await machine('other-pending'), dryRun);
      expect(text).toContain('next_entry=Windows Boot Manager (on /dev/nvme0n1p1)');
      expect(text).toContain(`\`grub-editenv ${ENV} unset next_entry\``);
      expect(text).toMatch(/Boot that entry first/);
    }
  });

  it('refuses when that choice arrives between the check of the whole plan and the step', async () => {
    const m = await machine('created');
    const other = readGrubenvFixture('other-pending');
    // grub-reboot run while the helper opened its journal.
    const append = m.appendDurable.bind(m);
    m.appendDurable = async (path, text, options) => {
      writeFileSync(m.map(ENV), other);
      return append(path, text, options);
    };
    const result = await applyPlan(plan(), { host: m, journalDir: JOURNAL });
    expect(result.status).toBe('rolled-back');
    expect(result.failure?.kind).toBe('precondition');
    expect(result.failure?.message).toContain('next_entry=Windows Boot Manager');
    expect(editenvCalls(m)).toEqual([]);
    expect(bytesOf(m)).toEqual(other);
  });

  it('refuses a block it cannot read as GRUB does: full, odd, oversized, truncated', async () => {
    expect(await refused(await machine('exactly-full'))).toMatch(/no '#' padding/);
    expect(await refused(await machine('newline-in-name'))).toMatch(
      /not a GRUB environment block that Cohabit can read safely/,
    );
    const big = new Uint8Array(2048).fill(0x23);
    big.set(readGrubenvFixture('created').subarray(0, 94));
    expect(await refused(await machine(big))).toMatch(/larger than 1024 bytes/);
    expect(await refused(await machine(readGrubenvFixture('created').subarray(0, 512)))).toMatch(
      /expected 1024 bytes, got 512/,
    );
  });

  it('refuses a grubenv that is a link, or reached through one, to a block GRUB would read', async () => {
    const linked = await machine('created');
    writeFileSync(linked.map('/boot/grub/real-grubenv'), readGrubenvFixture('created'));
    rmSync(linked.map(ENV));
    symlinkSync('real-grubenv', linked.map(ENV));
    expect(await refused(linked)).toMatch(/\/boot\/grub\/grubenv is a symbolic link/);

    const viaDir = await machine('created');
    rmSync(viaDir.map('/boot/grub'), { recursive: true });
    symlinkSync(viaDir.map('/etc/nixos'), viaDir.map('/boot/grub'));
    writeFileSync(viaDir.map('/etc/nixos/grubenv'), readGrubenvFixture('created'));
    expect(await refused(viaDir)).toMatch(/\/boot\/grub is a symbolic link/);
  });

  it('is not fooled by escapes: a pending value holding a line feed and our id is not ours', async () => {
    // `grub-editenv list` prints this one as two lines, the second `next_entry=cohabit-new-system`.
    const text = await refused(await machine('newline-in-value'));
    expect(text).toContain('next_entry=cohabit-other\\nnext_entry=cohabit-new-system');
    // A backslash ending the value before it does not hide the pending choice that follows.
    expect(await refused(await machine('backslash-before-pending'))).toContain(
      'next_entry=Windows Boot Manager',
    );
  });

  it('shows control characters in a pending value as escapes, not as themselves', async () => {
    const m = await machine('created');
    await m.runStreaming(['grub-editenv', ENV, 'set', 'next_entry=evil\x1b[2J\rcohabit-x'], {});
    m.calls.splice(0);
    const text = await refused(m);
    expect(text).toContain('next_entry=evil\\x1b[2J\\rcohabit-x');
    expect(text).not.toContain('\x1b');
  });
});
