// The editor's pure operations: history (undo/redo, one step per field, bounded), adding and
// changing elements, device assignment, and reading layout files that are wrong in each way.
import { describe, expect, it } from 'vitest';
import { LAYOUT_FORMAT, emptyLayout } from '../../../shared/model/layout';
import {
  HISTORY_LIMIT,
  addSystem,
  addVm,
  addVolume,
  assignDevice,
  commit,
  exportLayout,
  freeName,
  importLayout,
  redo,
  removeItem,
  setHeadless,
  setMainConfiguration,
  setVfioInDefaultEntry,
  startHistory,
  unassignDevice,
  undo,
  updateItem,
} from './layout-store';

const base = emptyLayout('zroot');

describe('history', () => {
  it('undoes and redoes edits in order, and a new edit drops the redo branch', () => {
    let h = startHistory(base);
    h = commit(h, addSystem(h.present));
    h = commit(h, addVolume(h.present, 'zroot/vm'));
    expect(h.present.volumes).toHaveLength(1);
    h = undo(h);
    expect(h.present.volumes).toHaveLength(0);
    expect(h.present.systems).toHaveLength(1);
    h = redo(h);
    expect(h.present.volumes).toHaveLength(1);
    h = undo(undo(h));
    expect(h.present).toEqual(base);
    expect(undo(h)).toBe(h);
    h = commit(h, setHeadless(h.present, true));
    expect(h.future).toEqual([]);
    expect(redo(h)).toBe(h);
  });

  it('makes typing in one field a single undo step, and a change of field a new one', () => {
    let h = commit(startHistory(base), addSystem(base));
    for (const label of ['N', 'Ni', 'Nix'])
      h = commit(h, updateItem(h.present, 'systems', 0, { label }), 'systems[0].label');
    h = commit(
      h,
      updateItem(h.present, 'systems', 0, { dataset: 'zroot/x' }),
      'systems[0].dataset',
    );
    expect(h.present.systems[0]?.label).toBe('Nix');
    h = undo(h);
    expect(h.present.systems[0]?.dataset).toBe('zroot/new-system');
    expect(h.present.systems[0]?.label).toBe('Nix');
    h = undo(h);
    expect(h.present.systems[0]?.label).toBe('New System');
  });

  it('sets "write the module only" and drops the field again for the default, so the hash is as before', () => {
    const only = setMainConfiguration(base, 'module-only');
    expect(only.host).toEqual({ ...base.host, mainConfiguration: 'module-only' });
    expect(setMainConfiguration(only, 'edit')).toEqual(base);
    expect('mainConfiguration' in setMainConfiguration(only, 'edit').host).toBe(false);
  });

  it('ignores an edit that changes nothing and keeps at most HISTORY_LIMIT steps', () => {
    const h0 = startHistory(base);
    expect(commit(h0, { ...base })).toBe(h0);
    let h = h0;
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) h = commit(h, setHeadless(h.present, i % 2 === 0));
    expect(h.past).toHaveLength(HISTORY_LIMIT);
  });
});

describe('edits', () => {
  it('adds a system under the pool with the seed defaults and unique names', () => {
    const one = addSystem(base);
    expect(one.systems[0]).toMatchObject({
      id: 'new-system',
      dataset: 'zroot/new-system',
      label: 'New System',
      hostId: { policy: 'reuse' },
      copyFromMain: { luks: true, zfs: true },
    });
    // No password is made up: the user must give a hash.
    expect(one.systems[0]?.user.passwordHash).toBe('');
    const two = addSystem(one);
    expect(two.systems[1]).toMatchObject({
      id: 'new-system-2',
      dataset: 'zroot/new-system-2',
      label: 'New System 2',
    });
  });

  it('adds a volume and a VM that takes the first free volume', () => {
    const withVolume = addVolume(base, 'zroot/vm');
    expect(withVolume.volumes[0]).toMatchObject({
      dataset: 'zroot/vm/vm-disk',
      sizeBytes: 128 * 2 ** 30,
      provisioning: 'reserved',
    });
    const withVm = addVm(withVolume);
    expect(withVm.vms[0]?.volume).toBe('vm-disk');
    expect(addVm(withVm).vms[1]?.volume).toBe('');
    expect(addVm(withVm).vms[1]?.name).toBe('vm-2');
  });

  it('gives a device to one VM only, and takes it back', () => {
    let l = addVm(addVm(addVolume(base)));
    l = assignDevice(l, 0, '0000:01:00.0');
    l = assignDevice(l, 0, '0000:01:00.0');
    expect(l.vms[0]?.devices).toEqual(['0000:01:00.0']);
    l = assignDevice(l, 1, '0000:01:00.0');
    expect(l.vms[0]?.devices).toEqual([]);
    expect(l.vms[1]?.devices).toEqual(['0000:01:00.0']);
    l = unassignDevice(l, 1, '0000:01:00.0');
    expect(l.vms[1]?.devices).toEqual([]);
  });

  it('removes one element and leaves the others', () => {
    const l = addSystem(addSystem(base));
    expect(removeItem(l, 'systems', 0).systems.map((s) => s.id)).toEqual(['new-system-2']);
    expect(removeItem(l, 'systems', 5)).toBe(l);
  });

  it('picks free names', () => {
    expect(freeName('a', [])).toBe('a');
    expect(freeName('a', ['a', 'a-2'])).toBe('a-3');
  });
});

describe('layout files', () => {
  const good = {
    ...addSystem(base),
    systems: addSystem(base).systems.map((s) => ({
      ...s,
      user: { name: 'alice', passwordHash: '$y$j9T$Zm9vYmFyYmF6cXV4$abcdefgh', wheel: true },
    })),
  };

  it('reads back what it saves', () => {
    expect(importLayout(exportLayout(good), 'zroot')).toEqual({ ok: true, layout: good });
  });

  it('never writes a typed password into the file', () => {
    const typo = updateItem(good, 'systems', 0, {
      user: { name: 'alice', passwordHash: 'hunter2', wheel: true },
    });
    expect(exportLayout(typo)).not.toContain('hunter2');
    expect(exportLayout(good)).toContain('$y$j9T$');
  });

  it('says a file is not JSON', () => {
    const r = importLayout('<html>not a layout</html>', 'zroot');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^This file is not JSON/);
  });

  it('names an unknown format or version', () => {
    const r = importLayout(JSON.stringify({ ...good, format: 'cohabit-layout/2' }), 'zroot');
    expect(r).toEqual({
      ok: false,
      message: `This layout is in the format cohabit-layout/2; this version of Cohabit reads ${LAYOUT_FORMAT}.`,
    });
    const none = importLayout('[1,2]', 'zroot');
    expect(none.ok).toBe(false);
  });

  it('refuses a layout for another pool', () => {
    const r = importLayout(exportLayout({ ...good, pool: 'tank' }), 'zroot');
    expect(r).toEqual({
      ok: false,
      message: "This layout is for the pool tank, but this machine's layout is for zroot.",
    });
  });

  it('names the field of a layout that does not read cleanly', () => {
    const bad = { ...good, systems: [{ ...good.systems[0], dataset: 'zroot/has space' }] };
    const r = importLayout(JSON.stringify(bad), 'zroot');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain('Dataset of the system New System: dataset name');
      expect(r.message).not.toContain('systems[0]');
    }
  });

  it("says in words which field a file lacks, not the schema library's phrase", () => {
    const { host: _host, ...noHost } = good;
    const r = importLayout(JSON.stringify({ ...noHost, extra: 1 }), 'zroot');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain('The host section is missing');
      expect(r.message).toContain('extra is not a field Cohabit knows here');
      expect(r.message).not.toMatch(/Invalid key|Expected/);
    }
  });
});

describe('setVfioInDefaultEntry', () => {
  it('writes vfioEntry only when the binding goes into the default entry', () => {
    const base = emptyLayout('zroot');
    const inDefault = setVfioInDefaultEntry(base, true);
    expect(inDefault.host).toEqual({ headless: false, vfioEntry: 'default' });
    expect(setVfioInDefaultEntry(inDefault, false).host).toEqual(base.host);
  });
});
